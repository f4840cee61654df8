/** LanguageModels for worker tests, built on the hand-computable FakeModel of the core tests. */
import { analyzeText } from '../../../src/core/analyze';
import type { LanguageModel } from '../../../src/engines/languageModel';
import { FakeModel, fakeInfo } from '../../helpers/fakeModel';
import type { EngineConfig } from '../../../src/worker/protocol';

export const FAKE_ENGINE: Extract<EngineConfig, { kind: 'onnx' }> = {
  kind: 'onnx',
  id: 'fake',
  modelDir: '/fake',
  device: 'cpu',
  dtype: 'fp32',
};

export interface FakeLanguageModel extends LanguageModel {
  disposed: boolean;
}

export function fakeLanguageModel(id = 'fake'): FakeLanguageModel {
  const scoring = new FakeModel(fakeInfo({ id }));
  const m: FakeLanguageModel = {
    kind: 'onnx',
    info: scoring.info,
    scoring,
    disposed: false,
    analyze: (text, options) => analyzeText(text, scoring, options),
    dispose: async () => {
      m.disposed = true;
    },
  };
  return m;
}

/** A promise with its resolve function exposed (to hold a handler open). */
export function deferred<T = void>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
