/** Directed information on the hand-computable fake model: every field by hand, identity 5, chunking, cuts, baselines, chat, cancellation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { directedInformation } from '../../../src/core/directedInformation';
import { analyzeText } from '../../../src/core/analyze';
import type { TokenizedText } from '../../../src/core/scoringModel';
import { FakeModel, fakeInfo, fakeLogits, log2Softmax } from '../../helpers/fakeModel';

const ids = (s: string) => new FakeModel().tokenize(s).ids;
const ctx = (xs: number[]) => xs.map((id, pos) => ({ id, visible: true, pos }));

/** iota, KL and log-ratio variance of one response token from the model's definition. */
function reference(prompted: number[], baseline: number[], y: number) {
  const lp = log2Softmax(fakeLogits(ctx(prompted))),
    lq = log2Softmax(fakeLogits(ctx(baseline)));
  let kl = 0,
    m2 = 0;
  lp.forEach((l, v) => {
    const p = 2 ** l;
    kl += p * (l - lq[v]);
    m2 += p * (l - lq[v]) ** 2;
  });
  return { iota: lp[y] - lq[y], kl, variance: m2 - kl * kl, sp: -lp[y], sq: -lq[y] };
}

const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('iota, KL, A_t, M_t and z of every response token match the definitions (BOS baseline)', async () => {
  const prompt = 'abcab',
    response = 'dhgfeabc';
  const r = await directedInformation(new FakeModel(), { prompt, response }, { chunkSize: 3 });
  const di = r.di!;
  assert.equal(di.baseline, 'bos');
  assert.equal(di.tokens.length, response.length);
  assert.equal(di.responseTokenStart, prompt.length);
  assert.deepEqual(di.promptTokenIds, ids(prompt));
  let A = 0,
    S = 0,
    V = 0;
  const y = ids(response);
  di.tokens.forEach((t, k) => {
    const ref = reference([7, ...ids(prompt), ...y.slice(0, k)], [7, ...y.slice(0, k)], y[k]);
    A += ref.kl;
    S += ref.iota;
    V += ref.variance;
    close(t.iotaBits, ref.iota, 1e-9, `iota ${k}`);
    close(t.klBits, ref.kl, 1e-9, `KL ${k}`);
    close(t.logRatioVarBits2!, ref.variance, 1e-9, `var ${k}`);
    close(t.compensatorBits, A, 1e-9, `A ${k}`);
    close(t.residualBits, S - A, 1e-9, `M ${k}`);
    close(t.z!, (S - A) / Math.sqrt(V), 1e-9, `z ${k}`);
    assert.equal(t.text, response[k]);
    assert.equal(t.start, prompt.length + k);
  });
  close(di.totalBits, S);
  close(di.totalKlBits, A);
  // the prompted pass gives every token its ordinary measures
  assert.equal(r.tokens.length, prompt.length + response.length);
  assert.ok(r.tokens.every((t) => t.surprisalBits !== null));
  assert.equal(r.text, prompt + response);
});

test('identity 5: Σ iota equals the difference of the two passes’ total surprisal over the response', async () => {
  const prompt = 'hgfedcba',
    response = 'abcabcabd';
  const r = await directedInformation(new FakeModel(), { prompt, response });
  const withPrompt = await analyzeText(prompt + response, new FakeModel());
  const alone = await analyzeText(response, new FakeModel());
  const sPrompted = withPrompt.tokens.slice(prompt.length).reduce((a, t) => a + t.surprisalBits!, 0);
  const sBaseline = alone.summary.totalBits;
  close(r.di!.totalBits, sBaseline - sPrompted, 1e-9, 'Σ iota');
  close(r.di!.promptedResponseBits!, sPrompted, 1e-9, 'prompted');
  close(r.di!.baselineResponseBits!, sBaseline, 1e-9, 'baseline');
});

test('chunked passes give the same directed information as one pass, with no cache left open', async () => {
  const input = { prompt: 'abcdefgh', response: 'hgfabcabdde' };
  const full = await directedInformation(new FakeModel(), input, { chunkSize: 1000 });
  for (const chunkSize of [1, 2, 5, 8]) {
    const model = new FakeModel();
    const r = await directedInformation(model, input, { chunkSize });
    r.di!.tokens.forEach((t, k) => {
      close(t.iotaBits, full.di!.tokens[k].iotaBits, 1e-12);
      close(t.klBits, full.di!.tokens[k].klBits, 1e-12);
    });
    assert.equal(model.leakedCaches(), 0);
  }
});

test('neutral and user-text baselines replace the prompt and are named in the result', async () => {
  const prompt = 'abc',
    response = 'defa';
  const neutral = await directedInformation(
    new FakeModel(),
    { prompt, response },
    { baseline: 'text', baselineText: 'hh' },
  );
  assert.equal(neutral.di!.baseline, 'text');
  assert.equal(neutral.di!.baselineText, 'hh');
  assert.deepEqual(neutral.di!.baselineTokenIds, ids('hh'));
  const y = ids(response);
  neutral.di!.tokens.forEach((t, k) => {
    const ref = reference([7, ...ids(prompt), ...y.slice(0, k)], [7, ...ids('hh'), ...y.slice(0, k)], y[k]);
    close(t.iotaBits, ref.iota, 1e-9);
    close(t.klBits, ref.kl, 1e-9);
  });
  const n = await directedInformation(new FakeModel(), { prompt, response }, { baseline: 'neutral' });
  assert.equal(n.di!.baseline, 'neutral');
  assert.equal(typeof n.di!.baselineText, 'string');
  await assert.rejects(
    directedInformation(new FakeModel(), { prompt, response }, { baseline: 'text' }),
    /needs a non-empty baseline text/,
  );
});

/** A fake whose tokenizer merges "ab" into one token (id 0, two characters), like a BPE merge. */
class MergingFake extends FakeModel {
  override tokenize(text: string): TokenizedText {
    const out: TokenizedText = { ids: [], spans: [], special: [] };
    for (let i = 0; i < text.length; ) {
      const n = text.startsWith('ab', i) ? 2 : 1;
      out.ids.push((text.charCodeAt(i) - 97 + 32) % 8);
      out.spans.push({ start: i, end: i + n });
      out.special.push(false);
      i += n;
    }
    return out;
  }
}

test('the response is cut at a token boundary of the whole text, and the baseline reuses exactly those ids', async () => {
  // "ca" + "bd": the full text tokenizes as c | ab | d, so the response starts with the merged "ab".
  const r = await directedInformation(new MergingFake(), { prompt: 'ca', response: 'bd' });
  const di = r.di!;
  assert.equal(di.cutInsideToken, true);
  assert.deepEqual(di.promptTokenIds, [2]);
  assert.deepEqual(
    di.tokens.map((t) => t.text),
    ['ab', 'd'],
  );
  assert.equal(di.responseStart, 2);
  // the baseline pass saw [BOS, ab, d], not a re-tokenized "bd"
  const ref = reference([7, 2], [7], 0);
  close(di.tokens[0].iotaBits, ref.iota);
  const ref1 = reference([7, 2, 0], [7, 0], 3);
  close(di.tokens[1].iotaBits, ref1.iota);
});

test('two ranges of one text: the prompted context is prompt tokens then response tokens', async () => {
  const text = 'hhabcggdefahh';
  const r = await directedInformation(new FakeModel(), {
    text,
    promptRange: { start: 2, end: 5 },
    responseRange: { start: 7, end: 11 },
  });
  const di = r.di!;
  assert.equal(di.promptText, 'abc');
  assert.deepEqual(
    di.tokens.map((t) => t.text),
    ['d', 'e', 'f', 'a'],
  );
  assert.equal(di.tokens[0].start, 7);
  assert.equal(r.tokens.length, 7);
  const same = await directedInformation(new FakeModel(), { prompt: 'abc', response: 'defa' });
  di.tokens.forEach((t, k) => close(t.iotaBits, same.di!.tokens[k].iotaBits, 1e-12));
  await assert.rejects(
    directedInformation(new FakeModel(), {
      text,
      promptRange: { start: 5, end: 9 },
      responseRange: { start: 7, end: 11 },
    }),
    /must end before the response starts/,
  );
  await assert.rejects(
    directedInformation(new FakeModel(), {
      text,
      promptRange: { start: 0, end: 2 },
      responseRange: { start: 7, end: 99 },
    }),
    /not inside the text/,
  );
});

class ChatFake extends FakeModel {
  applyChatTemplate(messages: { role: string; content: string }[], o: { addGenerationPrompt?: boolean } = {}): string {
    return (
      messages.map((m) => (m.role === 'user' ? 'g' : 'h') + m.content).join('') + (o.addGenerationPrompt ? 'h' : '')
    );
  }
}

test('a chat transcript is scored through the chat template; the last assistant message is the response', async () => {
  const messages = [
    { role: 'user', content: 'abc' },
    { role: 'assistant', content: 'dea' },
  ];
  const r = await directedInformation(new ChatFake(), { messages });
  assert.equal(r.text, 'gabchdea');
  assert.equal(r.di!.input, 'chat');
  assert.deepEqual(
    r.di!.tokens.map((t) => t.text),
    ['d', 'e', 'a'],
  );
  const direct = await directedInformation(new FakeModel(), { prompt: 'gabch', response: 'dea' });
  r.di!.tokens.forEach((t, k) => close(t.iotaBits, direct.di!.tokens[k].iotaBits, 1e-12));
  const neutral = await directedInformation(new ChatFake(), { messages }, { baseline: 'neutral' });
  assert.equal(neutral.di!.baselineText, 'gh'); // the template with an empty user turn
  await assert.rejects(
    directedInformation(new FakeModel(), { messages }),
    (e: Error & { code?: string }) => e.code === 'unsupported-model',
  );
  await assert.rejects(
    directedInformation(new ChatFake(), { messages: [{ role: 'user', content: 'a' }] }),
    /last message from the assistant/,
  );
});

/**
 * A template whose generation prompt ("f") is not how a rendered assistant turn opens ("hh", as where a
 * template adds an empty thinking block to the last turn), and which closes each assistant turn with
 * "e" (as "</s>" holds "s" and "<|im_end|>" holds "end").
 */
class ClosingChatFake extends FakeModel {
  applyChatTemplate(messages: { role: string; content: string }[], o: { addGenerationPrompt?: boolean } = {}): string {
    return (
      messages.map((m) => (m.role === 'user' ? `g${m.content}` : `hh${m.content}e`)).join('') +
      (o.addGenerationPrompt ? 'f' : '')
    );
  }
}

test('the response is the assistant content where the template put it, not where the same text occurs last', async () => {
  const r = await directedInformation(new ClosingChatFake(), {
    messages: [
      { role: 'user', content: 'abc' },
      { role: 'assistant', content: 'e' },
    ],
  });
  assert.equal(r.text, 'gabchhee');
  assert.deepEqual([r.di!.responseStart, r.di!.responseEnd], [6, 7]);
  assert.equal(r.di!.promptText, 'gabchh');
});

test('without BOS the first response token has no baseline prediction and is left out', async () => {
  const model = new FakeModel(fakeInfo({ bosTokenId: null }));
  const r = await directedInformation(model, { prompt: 'abc', response: 'defg' });
  assert.equal(r.di!.bos, false);
  assert.deepEqual(
    r.di!.tokens.map((t) => t.text),
    ['e', 'f', 'g'],
  );
  const y = ids('defg');
  const ref = reference([...ids('abc'), y[0]], [y[0]], y[1]);
  close(r.di!.tokens[0].iotaBits, ref.iota);
});

test('progress reaches the total; an aborted signal settles with a cancelled error and closes every cache', async () => {
  const seen: number[] = [];
  await directedInformation(
    new FakeModel(),
    { prompt: 'abcd', response: 'efgh' },
    { chunkSize: 2, onProgress: (p) => seen.push(p.doneTokens / p.totalTokens) },
  );
  assert.equal(seen[seen.length - 1], 1);
  const ac = new AbortController();
  const model = new FakeModel();
  await assert.rejects(
    directedInformation(
      model,
      { prompt: 'abcdabcd', response: 'efghefgh' },
      {
        chunkSize: 2,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.doneTokens >= 5) ac.abort();
        },
      },
    ),
    (e: Error & { code?: string }) => e.code === 'cancelled',
  );
  assert.equal(model.leakedCaches(), 0);
  await assert.rejects(directedInformation(new FakeModel(), { prompt: 'abc', response: '' }), /response is empty/);
});
