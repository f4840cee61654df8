/**
 * Pure: the prompt and response of "Directed Information: Prompt → Response", from two selections
 * (the earlier is the prompt) or from one selection (or the whole document) split at a marker line
 * such as `---`. Ranges are UTF-16 offsets into the document; the marker line belongs to neither.
 */
import { SemanticFlowError } from '../core/errors';

export interface Span {
  start: number;
  end: number;
}

export interface DiRanges {
  prompt: Span;
  response: Span;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Splits `text` (starting at document offset `base`) at the first line that is exactly `marker` (trimmed). */
export function splitAtMarker(text: string, base: number, marker: string): DiRanges | null {
  const m = marker.trim();
  if (!m) return null;
  const re = new RegExp(`(^|\\n)[ \\t]*${escapeRegExp(m)}[ \\t]*(\\r?\\n|$)`);
  const hit = re.exec(text);
  if (!hit) return null;
  const lineStart = hit.index + hit[1].length;
  const afterLine = hit.index + hit[0].length;
  // The prompt keeps its final line break (it ends the prompt's last line); the response starts after the marker line.
  return {
    prompt: { start: base, end: base + lineStart },
    response: { start: base + afterLine, end: base + text.length },
  };
}

/**
 * Prompt and response from the editor's selections. `selections` are non-empty document ranges;
 * `whole` is the document text used when there is no selection.
 */
export function diRangesFrom(selections: readonly Span[], docText: string, marker: string): DiRanges {
  const nonEmpty = selections.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  if (nonEmpty.length >= 2) {
    const [prompt, response] = nonEmpty;
    if (prompt.end > response.start)
      throw new SemanticFlowError(
        'bad-input',
        'The prompt and response selections overlap; select two separate ranges.',
      );
    return { prompt, response };
  }
  const region = nonEmpty[0] ?? { start: 0, end: docText.length };
  const split = splitAtMarker(docText.slice(region.start, region.end), region.start, marker);
  if (!split) {
    throw new SemanticFlowError(
      'bad-input',
      `Select the prompt and then the response (two selections, e.g. with Alt+click), or put a line "${marker.trim() || '---'}" between them (setting semanticFlow.di.marker).`,
    );
  }
  if (split.prompt.end <= split.prompt.start)
    throw new SemanticFlowError('bad-input', `There is no prompt above the "${marker.trim()}" line.`);
  if (split.response.end <= split.response.start)
    throw new SemanticFlowError('bad-input', `There is no response below the "${marker.trim()}" line.`);
  return split;
}
