/** The settings as readConfig() gives them with nothing set in the repository (built-in model, fp32), for tests. */
import type { Config } from '../../../src/extension/config';

export const DEFAULT_CONFIG: Config = {
  model: 'builtin',
  device: 'cpu',
  dtype: 'fp32',
  dtypeChosen: false,
  topK: 5,
  metric: 'surprisal',
  colorScale: 'theme',
  liveMode: false,
  maxInputBytes: 262144,
  remoteEndpoint: '',
  remoteModel: '',
  diMarker: '---',
  generateMaxTokens: 64,
};
