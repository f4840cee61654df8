/**
 * Pure: what the user sees for each SemanticFlowError code: one message and at most one action button.
 * `cancelled` is silent; `internal` points to the log (the stack goes there, not into the message).
 */
import type { ErrorCode } from '../core/errors';

export type ErrorAction = 'Select Model' | 'Open Settings' | 'Show Log' | 'Restart Engine' | 'Connect to Server';

export interface UserFacingError {
  severity: 'error' | 'warning';
  message: string;
  action?: ErrorAction;
  /** Settings search query for Open Settings. */
  settingsQuery?: string;
}

const ACTIONS: Record<
  Exclude<ErrorCode, 'cancelled'>,
  { action?: ErrorAction; severity?: 'warning'; settingsQuery?: string }
> = {
  'bad-input': { severity: 'warning' },
  'bad-argument': { action: 'Open Settings', settingsQuery: 'semanticFlow' },
  'model-not-found': { action: 'Select Model' },
  'model-corrupt': { action: 'Select Model' },
  'unsupported-model': { action: 'Select Model' },
  'tokenizer-mismatch': { action: 'Select Model' },
  'too-large': { action: 'Open Settings', severity: 'warning', settingsQuery: 'semanticFlow.maxInputBytes' },
  'out-of-memory': { action: 'Open Settings', settingsQuery: 'semanticFlow.dtype' },
  'server-unreachable': { action: 'Connect to Server' },
  'server-error': { action: 'Show Log' },
  'server-limitation': { action: 'Select Model', severity: 'warning' },
  'protocol-mismatch': { action: 'Restart Engine' },
  internal: { action: 'Show Log' },
};

/** The notification for an error code and message; null for cancellation (never shown). */
export function userFacingError(code: ErrorCode, message: string): UserFacingError | null {
  if (code === 'cancelled') return null;
  const a = ACTIONS[code] ?? ACTIONS.internal;
  const text =
    code === 'internal'
      ? `Semantic Flow failed unexpectedly: ${message.split('\n')[0]} See the Semantic Flow log for details.`
      : message;
  return {
    severity: a.severity ?? 'error',
    message: text,
    ...(a.action ? { action: a.action } : {}),
    ...(a.settingsQuery ? { settingsQuery: a.settingsQuery } : {}),
  };
}
