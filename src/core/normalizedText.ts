/**
 * Text as a Unicode-normalizing tokenizer sees it (Qwen2's and others' tokenizer.json "NFC"
 * normalizer), with every UTF-16 index of the normalized text mapped back to the original text, so
 * that spans found in the normalized text can be reported in the text the user wrote. Composition
 * never crosses a grapheme cluster, so each cluster is normalized on its own: a cluster that
 * normalization leaves alone maps unit by unit, one it changes ("e" + U+0301 → "é") maps every
 * normalized unit to the whole original cluster, as the Rust tokenizers' alignments do.
 */
export type NormalizationForm = 'NFC' | 'NFKC' | 'NFD' | 'NFKD';

export interface NormalizedText {
  text: string;
  /** start[i], end[i]: the original UTF-16 range of normalized unit i. */
  start: Int32Array;
  end: Int32Array;
}

let segmenter: Intl.Segmenter | null = null;

/** The normalized view of `text`, or null when normalization does not change it (the usual case). */
export function normalizedText(text: string, form: NormalizationForm): NormalizedText | null {
  const whole = text.normalize(form);
  if (whole === text) return null;
  segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  const parts: string[] = [];
  const start: number[] = [],
    end: number[] = [];
  for (const { segment, index } of segmenter.segment(text)) {
    const n = segment.normalize(form);
    parts.push(n);
    for (let i = 0; i < n.length; i++) {
      const same = n === segment;
      start.push(same ? index + i : index);
      end.push(same ? index + i + 1 : index + segment.length);
    }
  }
  const joined = parts.join('');
  if (joined !== whole) return null; // a composition across clusters: leave it to the exact-bytes check
  return { text: joined, start: Int32Array.from(start), end: Int32Array.from(end) };
}

/** A span of the normalized text as a span of the original text (zero-width spans stay zero-width). */
export function originalSpan(
  view: NormalizedText,
  s: { start: number; end: number },
  originalLength: number,
): { start: number; end: number } {
  const at = (i: number) => (i < view.start.length ? view.start[i] : originalLength);
  if (s.end <= s.start) return { start: at(s.start), end: at(s.start) };
  return { start: at(s.start), end: view.end[s.end - 1] };
}
