/** A loaded model: core's ScoringModel plus lifecycle. Engines (onnx, remote) return this. */
import type { ScoringModel } from '../core/scoringModel';

export interface LanguageModel extends ScoringModel {
  /** Chat template from tokenizer_config.json, when the model has one. */
  readonly chatTemplate?: string | null;
  /** Applies the model's chat template to messages, returning the templated text. */
  applyChatTemplate?(messages: { role: string; content: string }[], options?: { addGenerationPrompt?: boolean }): string;
  dispose(): Promise<void>;
}

export type LoadProgress =
  | { stage: 'load'; file: string; loadedBytes: number; totalBytes: number }
  | { stage: 'ready' };
