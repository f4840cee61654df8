/** Where a Hugging Face id may already be on disk outside our models folder: the Hub cache of other tools. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Folders where a Hub id may already be on disk: $HF_HUB_CACHE, $HF_HOME/hub and ~/.cache/huggingface/hub. */
export function hubCacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.HF_HUB_CACHE) roots.push(env.HF_HUB_CACHE);
  if (env.HF_HOME) roots.push(join(env.HF_HOME, 'hub'));
  roots.push(join(homedir(), '.cache', 'huggingface', 'hub'));
  return roots;
}

/** The newest snapshot folder of `org/name` holding a config.json, or null. */
export function findHubSnapshot(hubId: string, roots: string[] = hubCacheRoots()): string | null {
  for (const root of roots) {
    const snaps = join(root, `models--${hubId.replace(/\//g, '--')}`, 'snapshots');
    if (!existsSync(snaps)) continue;
    const dirs = readdirSync(snaps)
      .map((d) => join(snaps, d))
      .filter((d) => existsSync(join(d, 'config.json')))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    if (dirs.length > 0) return dirs[0];
  }
  return null;
}
