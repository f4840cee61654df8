/**
 * A loaded model, whatever the engine. Every engine can score a text into the one AnalysisResult;
 * engines that give full-vocabulary logits (ONNX) also expose them as a core ScoringModel, which
 * exact KL-based measures (directed-information compensator, occlusion by attention mask, model
 * comparison) need. Remote engines that return only top-k log-probs have `scoring: null` and report
 * entropy as bounds.
 */
import type { AnalyzeOptions } from '../core/analyze';
import type { ChatCapable } from '../core/directedInput';
import type { AnalysisResult, ModelInfo } from '../core/result';
import type { ScoringModel } from '../core/scoringModel';
import type { TokenSpan } from '../core/spans';

export type EngineKind = 'onnx' | 'remote';

export interface LanguageModel {
  readonly kind: EngineKind;
  readonly info: ModelInfo;
  /** Scores `text` token by token (measures.md "Per token"), honouring options.signal and onProgress. */
  analyze(text: string, options?: AnalyzeOptions): Promise<AnalysisResult>;
  /** Full-vocabulary passes (with the model's chat template, where it has one), or null when the engine cannot give them. */
  readonly scoring: (ScoringModel & ChatCapable) | null;
  /**
   * Scores a prompt sent as token ids, shown as `text` with `spans`: present only where the engine takes ids
   * (a server whose API accepts them). Two-pass directed information needs it when a token straddles the cut.
   */
  readonly analyzeIds?: (
    ids: number[],
    text: string,
    spans: readonly TokenSpan[],
    options: { topK: number; signal?: AbortSignal },
  ) => Promise<AnalysisResult>;
  /** Chat template from tokenizer_config.json, when the model has one. */
  readonly chatTemplate?: string | null;
  /** Applies the model's chat template to messages, returning the templated text. */
  applyChatTemplate?(
    messages: { role: string; content: string }[],
    options?: { addGenerationPrompt?: boolean },
  ): string;
  dispose(): Promise<void>;
}

/**
 * Progress of a model load: the model's files read from disk (large models only), then ONNX Runtime
 * preparing the session on a device, a single call with no progress of its own.
 */
export type LoadProgress =
  | { step: 'read'; doneBytes: number; totalBytes: number }
  | { step: 'prepare'; device: string };
