/**
 * Hand-built results for the panel tests. Values are arbitrary but exact, so a test can check that the
 * panel shows them as given; `summary` deliberately does NOT equal sums over `tokens`, so a view that
 * recomputed a measure instead of reading it would fail.
 */
import type { GeneratedToken } from '../../../src/core/generation';
import type { AnalysisResult, TokenRecord } from '../../../src/core/result';

export const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  '&lt;b&gt;',
] as const;

const tok = (
  index: number,
  text: string,
  surprisalBits: number | null,
  entropyBits: number | null,
  extra: Partial<TokenRecord> = {},
): TokenRecord => ({
  index,
  id: 100 + index,
  text,
  start: index * 4,
  end: index * 4 + text.length,
  surprisalBits,
  probability: surprisalBits === null ? null : 2 ** -surprisalBits,
  entropyBits,
  varentropyBits2: entropyBits === null ? null : 0.5,
  surpriseExcessBits: surprisalBits === null || entropyBits === null ? null : surprisalBits - entropyBits,
  rank: surprisalBits === null ? null : index + 1,
  topK: surprisalBits === null ? null : [{ id: 7, text: 'the', probability: 0.5, bits: 1 }],
  ...extra,
});

export function plainResult(): AnalysisResult {
  const tokens = [
    tok(0, 'Hello', null, null),
    tok(1, ' world', 0.5, 3.25),
    tok(2, '\n', 1, 2),
    tok(3, HOSTILE[0], 7.5, 6.0),
    tok(4, HOSTILE[1], 15.25, 9.5, { truncatedContext: true }),
    tok(5, '\t\u0001', 3.9999, 4),
    tok(6, '<|end|>', 2, 1, { special: true }),
  ];
  return {
    schemaVersion: 1,
    model: {
      id: HOSTILE[2],
      device: 'cpu',
      requestedDevice: 'webgpu',
      dtype: 'q8',
      fallbackReason: 'WebGPU adapter not found',
      vocabSize: 50257,
      contextWindow: 1024,
      bosTokenId: null,
      eosTokenId: 50256,
    },
    text: tokens.map((t) => t.text).join(''),
    tokens,
    summary: {
      tokens: 7,
      scoredTokens: 5,
      totalBits: 123.4,
      bitsPerToken: 4.321,
      bitsPerChar: 0.9876,
      bitsPerByte: 0.8765,
      perplexity: 19.99,
      meanEntropyBits: 4.5678,
      rankBuckets: { '1': 1, '2-10': 4, '11-100': 0, '101-1000': 0, '>1000': 0 },
      truncatedContextTokens: 1,
    },
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

/** A prompt→response result with directed information and a flow matrix. A_t, M_t cumulative as in measures.md. */
export function diFlowResult(): AnalysisResult {
  const r = plainResult();
  const iota = [1.5, -0.25, 2];
  const kl = [1, 0.5, 0.75];
  let a = 0;
  let s = 0;
  r.di = {
    baseline: 'text',
    baselineText: HOSTILE[3],
    promptText: 'Q?',
    promptTokenIds: [1, 2],
    baselineTokenIds: [3],
    responseStart: 4,
    responseEnd: 20,
    tokens: iota.map((io, i) => {
      a += kl[i];
      s += io;
      return {
        index: i + 3,
        id: 200 + i,
        text: i === 0 ? HOSTILE[0] : `r${i}`,
        start: 0,
        end: 1,
        iotaBits: io,
        klBits: kl[i],
        compensatorBits: a,
        residualBits: s - a,
        z: null,
      };
    }),
    totalBits: 3.25,
    totalKlBits: 2.25,
  };
  r.flow = {
    unit: 'word',
    method: 'replace',
    sources: [
      { start: 0, end: 5, text: 'Hello' },
      { start: 5, end: 11, text: HOSTILE[1] },
    ],
    targets: [3, 4, 5],
    phiBits: [
      [0.5, -2, 1],
      [0, 4, Number.NaN],
    ],
    expectedBits: [
      [0.25, 0.5, 0.75],
      [1, 1.25, 1.5],
    ],
  };
  return r;
}

/** A generated token as the engine streams it (core/generation's GeneratedToken); `extra` overrides fields. */
export function generatedToken(index: number, text: string, extra: Partial<GeneratedToken> = {}): GeneratedToken {
  return {
    index,
    id: 300 + index,
    text,
    start: 2 + index,
    end: 3 + index,
    iotaBits: 0.25 * index,
    klBits: 0.5,
    compensatorBits: 0.5 * (index + 1),
    residualBits: 0.25 * index - 0.5 * (index + 1),
    z: null,
    surprisalBits: 1 + index,
    baselineSurprisalBits: 2 + index,
    entropyBits: 3 + index,
    logRatioVarBits2: 0.125,
    ...extra,
  };
}

/** A dialogue result over plainResult's tokens: system turn = token 0, user = 1–3, assistant = 4–5; hand-set sums. */
export function dialogueResult(): AnalysisResult {
  const r = plainResult();
  const rec = (
    index: number,
    turn: number,
    direction: 'user-to-assistant' | 'assistant-to-user',
    iotaBits: number,
  ) => ({
    index,
    id: 100 + index,
    text: r.tokens[index].text,
    start: r.tokens[index].start,
    end: r.tokens[index].end,
    iotaBits,
    klBits: 0.5,
    compensatorBits: 0,
    residualBits: 0,
    z: null,
    surprisalBits: 2,
    baselineSurprisalBits: 2 + iotaBits,
    turn,
    direction,
  });
  const turn = (
    message: number,
    role: 'system' | 'user' | 'assistant',
    tokenStart: number,
    tokenEnd: number,
    iotaBits: number,
    cumulativeBits: number,
    cumulativeKlBits: number,
  ) => ({
    message,
    role,
    start: r.tokens[tokenStart].start,
    end: r.tokens[tokenEnd - 1].end,
    tokenStart,
    tokenEnd,
    bits: 10 + message,
    baselineBits: 20 + message,
    iotaBits,
    klBits: 1,
    cumulativeBits,
    cumulativeKlBits,
  });
  r.dialogue = {
    baseline: 'text',
    baselineText: HOSTILE[3],
    turns: [
      turn(0, 'system', 0, 1, 0, 0, 0),
      turn(1, 'user', 1, 4, 0, 0, 0),
      turn(2, 'assistant', 4, 6, 7.5, 7.5, 1.25),
    ],
    tokens: [
      rec(1, 1, 'assistant-to-user', 0),
      rec(2, 1, 'assistant-to-user', -2),
      rec(3, 1, 'assistant-to-user', 0.5),
      rec(4, 2, 'user-to-assistant', 7),
      rec(5, 2, 'user-to-assistant', 0.5),
    ],
    userToAssistant: {
      totalBits: 7.5,
      totalKlBits: 1.25,
      totalResidualBits: 6.25,
      finalZ: 1,
      jointBits: 4,
      baselineBits: 11.5,
    },
    assistantToUser: {
      totalBits: -1.5,
      totalKlBits: 1.5,
      totalResidualBits: -3,
      finalZ: null,
      jointBits: 6,
      baselineBits: 4.5,
    },
    conservation: {
      mutualInformationBits: 6,
      directedSumBits: 6,
      gapBits: 1e-13,
      exact: true,
      note: 'Exact by construction.',
      templateBits: 3.25,
    },
    bos: false,
  };
  return r;
}

/** A rate–distortion result: two variants with hostile names; worst tokens of text 0 point at plainResult's tokens. */
export function rdResult(): AnalysisResult {
  const r = plainResult();
  const point = (variant: string, bytes: number, meanKlBits: number, worst: number[]) => ({
    variant,
    file: `onnx/${variant}.onnx`,
    bytes,
    bitsPerWeight: (bytes * 8) / 1000,
    tokens: 6,
    meanKlBits,
    klInterval: [meanKlBits / 2, meanKlBits * 2] as [number, number],
    deltaBitsPerByte: 0.01,
    deltaInterval: [-0.01, 0.03] as [number, number],
    worst: worst.map((index, k) => ({
      text: 0,
      index,
      start: r.tokens[index].start,
      end: r.tokens[index].end,
      token: r.tokens[index].text,
      klBits: 1 - k / 10,
      deltaBits: -0.5,
    })),
  });
  r.rateDistortion = {
    reference: 'onnx/model.onnx',
    parameters: 1000,
    texts: [{ name: 'doc', bytes: 40, tokens: 6 }],
    bootstrap: { resamples: 1000, seed: 1, level: 0.95 },
    points: [point(HOSTILE[0], 500, 0.25, [4, 3]), point('fp32', 4000, 0, [])],
  };
  return r;
}
