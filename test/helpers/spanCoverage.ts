/** The text the spans cover, without overlaps, in order: equal to the text when spans are exact (measures.md identity 4). */
export function coveredText(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = '',
    covered = 0;
  for (const s of spans)
    if (s.end > covered) {
      out += text.slice(Math.max(covered, s.start), s.end);
      covered = s.end;
    }
  return out;
}
