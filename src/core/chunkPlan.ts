/**
 * Which forward passes score which positions. Inside the context window one window covers the whole
 * sequence (processed in KV-cached chunks, exact). Past it, windows of the full context length advance
 * by `stride` new targets each, so every target after the first window still sees
 * contextWindow − stride tokens of context (its measures are flagged truncatedContext).
 */
export interface ScoringWindow {
  /** Sequence positions fed to the model: [begin, end). */
  begin: number;
  end: number;
  /** Target positions scored from this window: [targetStart, targetEnd). */
  targetStart: number;
  targetEnd: number;
}

export interface ScoringPlan {
  windows: ScoringWindow[];
  stride: number | null;
}

export function planScoring(o: {
  length: number;
  firstTarget: number;
  contextWindow: number | null;
  chunkSize: number;
  stride?: number;
}): ScoringPlan {
  const { length, firstTarget } = o;
  const W = o.contextWindow ?? Infinity;
  if (length <= W) {
    return {
      windows: length > firstTarget ? [{ begin: 0, end: length, targetStart: firstTarget, targetEnd: length }] : [],
      stride: null,
    };
  }
  const stride = Math.max(1, Math.min(o.stride ?? Math.floor(W / 2), W - 1));
  const windows: ScoringWindow[] = [{ begin: 0, end: W, targetStart: firstTarget, targetEnd: W }];
  for (let e = W; e < length; ) {
    const end = Math.min(length, e + stride);
    windows.push({ begin: end - W, end, targetStart: e, targetEnd: end });
    e = end;
  }
  return { windows, stride };
}
