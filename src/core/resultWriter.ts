/**
 * A result written as it is produced: the fields before its tokens, each token, then the fields after
 * them. A streamed analysis (keepTokens: false) holds one token at a time, so a long text's output
 * goes out while it is scored instead of being built whole in memory first.
 */
import { finiteNumbers, type AnalysisResult, type TokenRecord } from './result';

export interface TextOut {
  write(s: string): unknown;
}

export interface ResultWriter {
  /** The fields that come before `tokens` (schemaVersion, model, text, source). */
  head(fields: Partial<AnalysisResult>): void;
  token(t: TokenRecord): void;
  /** Everything after the tokens comes from the finished result (its own tokens are not read). */
  tail(result: AnalysisResult): void;
}

const entries = (r: Partial<AnalysisResult>) => Object.entries(r).filter(([, v]) => v !== undefined);
export const fieldsBeforeTokens = (r: AnalysisResult): Partial<AnalysisResult> =>
  Object.fromEntries(entries(r).slice(0, Object.keys(r).indexOf('tokens')));
const fieldsAfterTokens = (r: AnalysisResult) => entries(r).slice(entries(r).findIndex(([k]) => k === 'tokens') + 1);

/** Writes a finished result through a writer. */
export function writeResult(result: AnalysisResult, w: ResultWriter): void {
  w.head(fieldsBeforeTokens(result));
  for (const t of result.tokens) w.token(t);
  w.tail(result);
}

/** The text a writer produces for a finished result. */
export function collect(make: (out: TextOut) => ResultWriter, result: AnalysisResult): string {
  let text = '';
  writeResult(
    result,
    make({
      write: (s) => {
        text += s;
      },
    }),
  );
  return text;
}

/** `value` as JSON.stringify(…, 2) writes it `depth` levels deep. */
const nested = (value: unknown, depth: number) =>
  JSON.stringify(value, finiteNumbers, 2).replace(/\n/g, '\n' + '  '.repeat(depth));

/** Pretty JSON, byte for byte what resultToJson(result, 2) gives, written field by field and token by token. */
export function jsonWriter(out: TextOut): ResultWriter {
  let n = 0;
  return {
    head(fields) {
      out.write(
        '{\n' +
          entries(fields)
            .map(([k, v]) => `  ${JSON.stringify(k)}: ${nested(v, 1)},\n`)
            .join('') +
          '  "tokens": [',
      );
    },
    token(t) {
      out.write(`${n++ ? ',' : ''}\n    ${nested(t, 2)}`);
    },
    tail(result) {
      out.write(
        (n ? '\n  ]' : ']') +
          fieldsAfterTokens(result)
            .map(([k, v]) => `,\n  ${JSON.stringify(k)}: ${nested(v, 1)}`)
            .join('') +
          '\n}\n',
      );
    },
  };
}
