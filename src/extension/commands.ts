/**
 * One line per command (Error Lens table). Every handler runs through `run`: errors become one message
 * with an action (userErrors), cancellation stays silent, and the e2e status file is written after.
 */
import * as vscode from 'vscode';
import { CommandId, type CommandIdValue } from './commandIds';
import { analyzeDocument, analyzeRange, analyzeSelection } from './commands/analyze';
import { compareModels } from './commands/compareModels';
import { dialogue } from './commands/dialogue';
import { directedInformation } from './commands/directedInformation';
import {
  clearDecorations,
  restartEngine,
  revealToken,
  showLog,
  showPanel,
  toggleLiveMode,
} from './commands/engineCommands';
import { exportResult } from './commands/exportResult';
import { flowMatrix } from './commands/flowMatrix';
import { analyzeSample, openSettings } from './commands/gettingStarted';
import { generateFromPrompt } from './commands/generate';
import { rateDistortion } from './commands/rateDistortion';
import { connectServer, selectModel } from './commands/selectModel';
import type { E2eStatus } from './e2eStatus';
import type { Services } from './services';

type Handler = (s: Services, ...args: never[]) => boolean | Promise<boolean>;

export const COMMANDS: Record<CommandIdValue, Handler> = {
  [CommandId.analyzeSelection]: analyzeSelection,
  [CommandId.analyzeDocument]: analyzeDocument,
  [CommandId.directedInformation]: directedInformation,
  [CommandId.generate]: generateFromPrompt,
  [CommandId.flowMatrix]: flowMatrix,
  [CommandId.compareModels]: compareModels,
  [CommandId.dialogue]: dialogue,
  [CommandId.rateDistortion]: rateDistortion,
  [CommandId.showPanel]: showPanel,
  [CommandId.clearDecorations]: clearDecorations,
  [CommandId.selectModel]: selectModel,
  [CommandId.exportResult]: exportResult,
  [CommandId.connectServer]: connectServer,
  [CommandId.restartEngine]: restartEngine,
  [CommandId.toggleLiveMode]: toggleLiveMode,
  [CommandId.showLog]: showLog,
  [CommandId.analyzeSample]: analyzeSample,
  [CommandId.openSettings]: openSettings,
  [CommandId.revealToken]: revealToken,
  [CommandId.analyzeRange]: analyzeRange,
};

export function registerCommands(s: Services, e2e: E2eStatus): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      let ok = false;
      try {
        ok = await (handler as (s: Services, ...a: unknown[]) => boolean | Promise<boolean>)(s, ...args);
      } catch (e) {
        s.errors.show(e, id);
      } finally {
        e2e.write(id, ok);
      }
    }),
  );
}
