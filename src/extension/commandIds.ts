/** Every command id the extension registers; a unit test checks this list against package.json both ways. */
export const CommandId = {
  analyzeSelection: 'semanticFlow.analyzeSelection',
  analyzeDocument: 'semanticFlow.analyzeDocument',
  directedInformation: 'semanticFlow.directedInformation',
  generate: 'semanticFlow.generate',
  flowMatrix: 'semanticFlow.flowMatrix',
  compareModels: 'semanticFlow.compareModels',
  dialogue: 'semanticFlow.dialogue',
  rateDistortion: 'semanticFlow.rateDistortion',
  showPanel: 'semanticFlow.showPanel',
  clearDecorations: 'semanticFlow.clearDecorations',
  selectModel: 'semanticFlow.selectModel',
  exportResult: 'semanticFlow.exportResult',
  connectServer: 'semanticFlow.connectServer',
  restartEngine: 'semanticFlow.restartEngine',
  toggleLiveMode: 'semanticFlow.toggleLiveMode',
  showLog: 'semanticFlow.showLog',
  analyzeSample: 'semanticFlow.analyzeSample',
  openSettings: 'semanticFlow.openSettings',
  /** Internal: hover link "Reveal in panel" (args: { uri, tokenIndex }). */
  revealToken: 'semanticFlow.revealToken',
  /** Internal: hover link "Analyze this" (args: { uri, start, end }). */
  analyzeRange: 'semanticFlow.analyzeRange',
} as const;

export type CommandIdValue = (typeof CommandId)[keyof typeof CommandId];

/** Commands reachable only through links; hidden from the Command Palette. */
export const INTERNAL_COMMANDS: readonly CommandIdValue[] = [CommandId.revealToken, CommandId.analyzeRange];
