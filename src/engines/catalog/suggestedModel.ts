/**
 * The model Semantic Flow suggests once the built-in one has shown what the extension does: small enough to
 * download in a minute and run on any CPU, instruction-tuned (prompt → response texts score sensibly), and
 * permissively licensed. Its size and licence are the catalog's, never restated here.
 */
import { findCatalogEntry, type CatalogEntry } from './catalog';

export const SUGGESTED_MODEL_ID = 'HuggingFaceTB/SmolLM2-135M-Instruct';

export function suggestedModel(): CatalogEntry {
  const entry = findCatalogEntry(SUGGESTED_MODEL_ID);
  if (!entry) throw new Error(`The catalog has no entry for the suggested model ${SUGGESTED_MODEL_ID}.`);
  return entry;
}
