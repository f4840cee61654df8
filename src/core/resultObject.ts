/** The one place a result object is put together: schema version, summary, unit aggregates and timestamp. */
import { SCHEMA_VERSION, type AnalysisResult, type ModelInfo, type TokenRecord } from './result';
import { aggregateUnits, summarize } from './summary';

export type ResultOptions = NonNullable<AnalysisResult['options']>;
/** What an analysis adds to the token records: where the text came from, and its own section. */
export type ResultParts = Pick<
  AnalysisResult,
  'source' | 'di' | 'flow' | 'generation' | 'comparison' | 'crossComparison' | 'rateDistortion' | 'dialogue'
> & {
  /** Word and line aggregates too. */
  units?: boolean;
  /** The summary, when the tokens were streamed and not kept (from SummarySums). */
  summary?: AnalysisResult['summary'];
};

export function resultObject(
  model: ModelInfo,
  text: string,
  tokens: TokenRecord[],
  options: ResultOptions,
  parts: ResultParts = {},
): AnalysisResult {
  const { source, units, summary, ...sections } = parts;
  const result: AnalysisResult = {
    schemaVersion: SCHEMA_VERSION,
    model,
    text,
    ...(source ? { source } : {}),
    tokens,
    summary: summary ?? summarize(tokens, text),
    options,
    ...Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined)),
    createdAt: new Date().toISOString(),
  };
  if (units) {
    result.words = aggregateUnits(tokens, text, 'word');
    result.lines = aggregateUnits(tokens, text, 'line');
  }
  return result;
}
