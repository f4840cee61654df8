/**
 * Where downloaded models live: `<root>/<owner>/<name>`. The root is the extension's global storage
 * or, for the CLI, ~/.cache/semantic-flow/models; never inside the extension's install folder.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SemanticFlowError } from '../../core/errors';

/** A Hub id: `owner/name`, no `..`, no extra slashes. */
export const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Semantic Flow's folder under the user's cache: $SEMANTIC_FLOW_CACHE, else $XDG_CACHE_HOME/semantic-flow or ~/.cache/semantic-flow. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.SEMANTIC_FLOW_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'semantic-flow');
}

/** The CLI's models folder: $SEMANTIC_FLOW_CACHE/models or ~/.cache/semantic-flow/models. */
export function defaultModelsDir(env: Record<string, string | undefined> = process.env): string {
  return join(defaultCacheDir(env), 'models');
}

/** The folder a Hub id downloads into. */
export function modelFolderFor(destRoot: string, id: string): string {
  const [owner, name] = id.split('/');
  if (!HUB_ID.test(id) || name === '.' || name === '..') {
    throw new SemanticFlowError(
      'bad-argument',
      `"${id}" is not a Hub model id; it should look like owner/name (for example Xenova/gpt2).`,
    );
  }
  return join(resolve(destRoot), owner, name);
}
