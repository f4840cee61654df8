/** The remote engine (vLLM-compatible servers): probe the server once per config; notices go to the log. */
import type { LanguageModel } from '../engines/languageModel';
import { RemoteModel } from '../engines/remote/remoteModel';
import type { EngineConfig } from './protocol';

export async function loadRemoteModel(engine: Extract<EngineConfig, { kind: 'remote' }>, notice: (message: string) => void = () => undefined): Promise<LanguageModel> {
  return RemoteModel.connect({
    endpoint: engine.endpoint,
    model: engine.model || undefined,
    apiKey: engine.apiKey,
    onNotice: notice,
  });
}
