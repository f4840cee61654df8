/**
 * Pure: what the extension says about the built-in model and the suggested download, in the first-run
 * notification and in the status bar tooltip (one wording for both). Sizes and licence come from the
 * catalog entry, for the dtype a download would fetch.
 */
import type { Dtype } from '../core/result';
import { BUILTIN_MODEL_NAME } from '../engines/builtinModel';
import type { CatalogEntry } from '../engines/catalog/catalog';
import { formatBytes } from '../core/units';
import { CommandId } from './commandIds';
import { escapeMarkdown } from './hoverText';
import { formatParameters } from './modelChoice';

/** "135M parameters, about 200 MB to download, Apache-2.0 licence": what the catalog knows of `entry`. */
export function modelFacts(entry: CatalogEntry, dtype: Dtype | null): string {
  const bytes = (dtype && entry.dtypes[dtype]?.approxBytes) || 0;
  return [
    entry.parameters !== null ? `${formatParameters(entry.parameters)} parameters` : null,
    bytes > 0 ? `about ${formatBytes(bytes)} to download` : null,
    entry.licence ? `${entry.licence} licence` : null,
  ]
    .filter((f): f is string => f !== null)
    .join(', ');
}

const WHY = `${BUILTIN_MODEL_NAME} is the tiny built-in model: it runs offline, but finds much ordinary text surprising, so its colours say more about the model than about the text.`;

export interface BuiltinNotice {
  message: string;
  download: string;
  dismiss: string;
}

/** The one-time notification after the first analysis with the built-in model. */
export function builtinNotice(entry: CatalogEntry, dtype: Dtype | null): BuiltinNotice {
  return {
    message: `${WHY} For meaningful bits, download ${entry.label} (${modelFacts(entry, dtype)}).`,
    download: `Download ${entry.label}`,
    dismiss: "Don't Show Again",
  };
}

/** The command URI that downloads (if needed) and selects catalog model `id`. */
export const selectModelUri = (id: string): string =>
  `command:${CommandId.selectModel}?${encodeURIComponent(JSON.stringify([id]))}`;

/** The status bar tooltip's line while the built-in model is the one in use (Markdown). */
export function builtinTooltipLine(entry: CatalogEntry, dtype: Dtype | null): string {
  return `${escapeMarkdown(WHY)} For meaningful bits: [Download ${escapeMarkdown(entry.label)}](${selectModelUri(entry.id)}) (${escapeMarkdown(modelFacts(entry, dtype))}).`;
}
