/** Pure: the status bar text and tooltip Markdown for an engine status and a selection summary. */
import { formatBits } from '../core/units';
import type { ModelInfo } from '../core/result';
import type { EngineStatus } from '../worker/protocol';
import { CommandId } from './commandIds';
import { escapeMarkdown } from './hoverText';

export interface SelectionBits {
  bits: number;
  tokens: number;
  /** True when nothing is selected and the figure covers the whole result. */
  whole: boolean;
}

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
  isError: boolean;
}

/** The commands the status bar tooltip links to (MarkdownString.isTrusted.enabledCommands). */
export const STATUS_COMMANDS: readonly string[] = [
  CommandId.selectModel,
  CommandId.restartEngine,
  CommandId.showLog,
  CommandId.showPanel,
  CommandId.toggleLiveMode,
];

const link = (label: string, cmd: string) => `[${label}](command:${cmd})`;

/** An explicit device that was not used is a fallback; `auto` choosing the CPU where no GPU works is not. */
const isFallback = (m: ModelInfo): boolean => !!m.fallbackReason && m.requestedDevice !== 'auto';

function modelLine(m: ModelInfo): string {
  const device =
    m.requestedDevice === 'auto'
      ? `${m.device} (chosen by auto)`
      : m.device === m.requestedDevice
        ? m.device
        : `${m.device} (asked for ${m.requestedDevice})`;
  const why = m.fallbackReason
    ? `\n\n${isFallback(m) ? 'Fallback' : 'Other devices'}: ${escapeMarkdown(m.fallbackReason)}`
    : '';
  return `**${escapeMarkdown(m.id)}** on ${escapeMarkdown(device)}, ${escapeMarkdown(String(m.dtype))}` + why;
}

/**
 * `builtinHint`: a Markdown line shown while the built-in model is the one chosen (modelSuggestion.ts's
 * builtinTooltipLine), so the suggested download is one click away from where the model is named.
 */
export function statusView(o: {
  status: EngineStatus;
  model?: ModelInfo;
  chosenLabel: string;
  selection?: SelectionBits;
  liveMode: boolean;
  note?: string;
  builtinHint?: string;
}): StatusView {
  const { status } = o;
  const links = [
    link('Select Model', CommandId.selectModel),
    link('Restart Engine', CommandId.restartEngine),
    link('Show Log', CommandId.showLog),
    link('Show Panel', CommandId.showPanel),
  ].join(' · ');
  const sel = o.selection
    ? ` · ${o.selection.whole ? 'Σ' : 'sel'} ${o.selection.bits.toFixed(1)} bits/${o.selection.tokens} tok`
    : '';
  const live = o.liveMode ? ' $(zap)' : '';
  const lines: string[] = [];
  let text: string,
    command: string = CommandId.showPanel,
    isError = false;
  switch (status.health) {
    case 'stopped':
      text = `$(pulse) ${o.chosenLabel}`;
      lines.push(`Model **${escapeMarkdown(o.chosenLabel)}** is not loaded yet; it loads on the first analysis.`);
      command = CommandId.selectModel;
      break;
    case 'loading':
      text = `$(sync~spin) ${o.chosenLabel}`;
      lines.push(`Loading ${escapeMarkdown(status.model)}…`);
      break;
    case 'ready':
    case 'busy':
      text = `${status.health === 'busy' ? '$(sync~spin)' : '$(pulse)'} ${status.model.id} · ${status.model.device}${isFallback(status.model) ? ' $(warning)' : ''}`;
      lines.push(modelLine(status.model));
      if (status.health === 'busy') lines.push(`Running: ${status.method}`);
      break;
    case 'error':
      text = `$(error) ${o.chosenLabel}`;
      lines.push(`The engine failed: ${escapeMarkdown(status.message)}`);
      command = CommandId.restartEngine;
      isError = true;
      break;
  }
  if (o.builtinHint && !isError) lines.push(o.builtinHint);
  if (o.selection)
    lines.push(
      `${o.selection.whole ? 'Whole result' : 'Selection'}: ${formatBits(o.selection.bits)} over ${o.selection.tokens} tokens`,
    );
  if (o.note) lines.push(escapeMarkdown(o.note));
  lines.push(`Live mode ${o.liveMode ? 'on' : 'off'} (${link('toggle', CommandId.toggleLiveMode)})`, links);
  return { text: text + sel + live, tooltip: lines.join('\n\n'), command, isError };
}
