/**
 * Directed information in a dialogue on the hand-built copying chat model (measures.md, "Directed
 * information in a dialogue", identities 10–13): every iota against passes computed here from the
 * template strings, the conservation law, causality, and the repeat / unrelated transcripts with their
 * bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialogueInformation } from '../../../src/core/dialogueInformation';
import type { ChatMessage } from '../../../src/core/directedInput';
import {
  COPY_COST,
  COPY_VOCAB,
  CopyChatModel,
  ORDER1_BONUS,
  ORDER1_COST,
  referenceSurprisals,
  UNIFORM_COST,
} from '../../helpers/copyChatModel';
import { FakeModel } from '../../helpers/fakeModel';

const HEADER: Record<string, string> = { user: '<u>', assistant: '<a>', system: '<y>' };

/**
 * Surprisals of the content tokens of `role`'s messages, in order, in the pass where the other role's
 * contents are `replacement` (undefined: the joint pass), from the reference model computed by hand.
 */
function contentBits(messages: ChatMessage[], role: string, replacement?: string): number[] {
  const other = role === 'user' ? 'assistant' : 'user';
  let text = '<s>';
  const positions: number[] = [];
  let tokenIndex = 1;
  for (const m of messages) {
    const content = replacement !== undefined && m.role === other ? replacement : m.content;
    text += HEADER[m.role];
    tokenIndex++;
    for (const ch of content) {
      if (m.role === role) positions.push(tokenIndex);
      text += ch;
      tokenIndex++;
    }
    text += '<e>';
    tokenIndex++;
  }
  const ref = referenceSurprisals(text);
  return positions.map((p) => ref[p - 1]);
}

const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);

const CHAT: ChatMessage[] = [
  { role: 'system', content: 'be brief.' },
  { role: 'user', content: 'the cat sat on the mat.' },
  { role: 'assistant', content: 'a cat sat.' },
  { role: 'user', content: 'what sat on the mat' },
  { role: 'assistant', content: 'the cat sat on the mat.' },
];

test("every iota is the joint pass minus its side's baseline pass, computed here from the template strings", async () => {
  for (const [baseline, replacement] of [
    ['neutral', ''],
    ['text', 'zz'],
  ] as const) {
    const r = await dialogueInformation(new CopyChatModel(), CHAT, {
      baseline,
      baselineText: baseline === 'text' ? 'zz' : undefined,
      chunkSize: 4,
    });
    const d = r.dialogue!;
    for (const [role, direction] of [
      ['assistant', 'user-to-assistant'],
      ['user', 'assistant-to-user'],
    ] as const) {
      const joint = contentBits(CHAT, role),
        base = contentBits(CHAT, role, replacement);
      const got = d.tokens.filter((t) => t.direction === direction);
      assert.equal(got.length, joint.length, `${baseline} ${direction}: one record per content token`);
      got.forEach((t, k) => {
        assert.ok(
          Math.abs(t.iotaBits - (base[k] - joint[k])) < 1e-9,
          `${baseline} ${direction} token ${k}: ${t.iotaBits} vs ${base[k] - joint[k]}`,
        );
        assert.equal(CHAT[t.turn].role, role);
        assert.equal(r.text.slice(t.start, t.end), t.text);
      });
      const dir = direction === 'user-to-assistant' ? d.userToAssistant : d.assistantToUser;
      assert.ok(Math.abs(dir.totalBits - (sum(base) - sum(joint))) < 1e-9);
      assert.ok(Math.abs(dir.baselineBits - sum(base)) < 1e-9);
      assert.ok(Math.abs(dir.totalKlBits + dir.totalResidualBits - dir.totalBits) < 1e-12);
    }
    // identity 10: î = L_X + L_Y − L_J equals I(X → Y) + I(0Y → X); L's computed here
    const mi =
      sum(contentBits(CHAT, 'user', replacement)) +
      sum(contentBits(CHAT, 'assistant', replacement)) -
      sum(contentBits(CHAT, 'user')) -
      sum(contentBits(CHAT, 'assistant'));
    assert.ok(Math.abs(d.conservation.mutualInformationBits - mi) < 1e-9);
    assert.ok(Math.abs(d.conservation.gapBits) < 1e-9, `gap ${d.conservation.gapBits}`);
    assert.ok(d.conservation.exact);
    assert.equal(d.baseline, baseline);
  }
});

test('turns: the system message is template, each turn sums its tokens, and the curves accumulate by direction', async () => {
  const r = await dialogueInformation(new CopyChatModel(), CHAT);
  const d = r.dialogue!;
  assert.deepEqual(
    d.turns.map((t) => t.role),
    ['system', 'user', 'assistant', 'user', 'assistant'],
  );
  d.turns.forEach((turn, k) => {
    assert.equal(r.text.slice(turn.start, turn.end), CHAT[k].content);
    const own = d.tokens.filter((t) => t.turn === k);
    assert.ok(Math.abs(turn.iotaBits - sum(own.map((t) => t.iotaBits))) < 1e-12);
    assert.equal(own.length, turn.role === 'system' ? 0 : turn.tokenEnd - turn.tokenStart);
  });
  assert.equal(d.turns[0].iotaBits, 0);
  assert.ok(Math.abs(d.turns[4].cumulativeBits - (d.turns[2].iotaBits + d.turns[4].iotaBits)) < 1e-12);
  assert.ok(Math.abs(d.turns[4].cumulativeBits - d.userToAssistant.totalBits) < 1e-12);
  assert.ok(Math.abs(d.turns[3].cumulativeBits - d.assistantToUser.totalBits) < 1e-12);
  assert.ok(Math.abs(d.turns[4].cumulativeKlBits - d.userToAssistant.totalKlBits) < 1e-12);
  assert.ok(Math.abs(d.turns[3].cumulativeKlBits - d.assistantToUser.totalKlBits) < 1e-12);
  // template bits: every token outside the user and assistant contents (headers, <e>, the system turn)
  const contentIdx = new Set(d.tokens.map((t) => t.index));
  const template = sum(
    r.tokens.filter((t) => !contentIdx.has(t.index) && t.surprisalBits !== null).map((t) => t.surprisalBits!),
  );
  assert.ok(Math.abs(d.conservation.templateBits - template) < 1e-9);
});

test("identity 11: a turn before the other side's first turn receives nothing (iota = KL = 0 exactly)", async () => {
  const r = await dialogueInformation(new CopyChatModel(), CHAT);
  const first = r.dialogue!.tokens.filter((t) => t.turn === 1);
  assert.ok(first.length > 0);
  for (const t of first) assert.deepEqual([t.iotaBits, t.klBits], [0, 0]);
  assert.ok(
    r.dialogue!.tokens.some((t) => t.turn === 3 && t.iotaBits !== 0),
    'a later user turn does receive',
  );
});

test('the result does not depend on the chunk size (KV cache between chunks)', async () => {
  const a = (await dialogueInformation(new CopyChatModel(), CHAT, { chunkSize: 2 })).dialogue!;
  const b = (await dialogueInformation(new CopyChatModel(), CHAT, { chunkSize: 512 })).dialogue!;
  assert.deepEqual(
    a.tokens.map((t) => t.iotaBits),
    b.tokens.map((t) => t.iotaBits),
  );
  assert.deepEqual(
    a.tokens.map((t) => t.klBits),
    b.tokens.map((t) => t.klBits),
  );
});

// every bigram distinct, so an order-2 match always points at the right continuation
const PANGRAM = 'pack my box with five dozen liquor jugs.';

test("identity 12: when the assistant repeats the user, I(X → Y) is the assistant's baseline bits less at most the copy bound", async () => {
  const bigrams = [...PANGRAM].slice(1).map((c, i) => PANGRAM[i] + c);
  assert.equal(new Set(bigrams).size, bigrams.length, 'precondition: no bigram repeats');
  const chat: ChatMessage[] = [
    { role: 'user', content: PANGRAM },
    { role: 'assistant', content: PANGRAM },
  ];
  const d = (await dialogueInformation(new CopyChatModel(), chat)).dialogue!;
  const L_Y = sum(contentBits(chat, 'assistant', ''));
  assert.ok(Math.abs(d.userToAssistant.baselineBits - L_Y) < 1e-9);
  // first token: nothing says a copy starts (uniform); second: an order-1 match; the rest: order-2 matches
  const bound = UNIFORM_COST + ORDER1_COST + (PANGRAM.length - 2) * COPY_COST;
  const shortfall = L_Y - d.userToAssistant.totalBits;
  assert.ok(shortfall >= 0 && shortfall <= bound + 1e-9, `L_Y − I(X→Y) = ${shortfall} bits, bound ${bound}`);
  assert.ok(d.userToAssistant.totalBits > 0.9 * L_Y, `${d.userToAssistant.totalBits} of ${L_Y} bits`);
});

test("identity 13: user turns sharing no token with the assistant's get I(0Y → X) = 0; a user who repeats the assistant gets a lot", async () => {
  // user: letters a–m and '.'; assistant: n–z and ' ' (disjoint)
  const unrelated: ChatMessage[] = [
    { role: 'user', content: 'badjim.' },
    { role: 'assistant', content: 'now you run' },
    { role: 'user', content: 'mikehadablackcage.' },
    { role: 'assistant', content: 'torn ropy sun' },
    { role: 'user', content: 'feedhimabigham.' },
  ];
  const chars = (role: string) => new Set(unrelated.filter((m) => m.role === role).flatMap((m) => [...m.content]));
  const userChars = chars('user');
  assert.ok(
    [...chars('assistant')].every((c) => !userChars.has(c)),
    'precondition: the two sides share no token',
  );
  const u = (await dialogueInformation(new CopyChatModel(), unrelated)).dialogue!;
  assert.ok(Math.abs(u.assistantToUser.totalBits) < 1e-12, `I(0Y→X) = ${u.assistantToUser.totalBits}`);
  assert.ok(u.assistantToUser.baselineBits > 50, 'the user side has bits to receive');
  const echo: ChatMessage[] = [
    { role: 'user', content: 'go on' },
    { role: 'assistant', content: PANGRAM },
    { role: 'user', content: PANGRAM },
  ];
  const e = (await dialogueInformation(new CopyChatModel(), echo)).dialogue!;
  // the echoing turn costs at most: its first token against a wrong order-1 guess, an order-1 match, then copies
  const turn = e.turns[2];
  const bound = Math.log2(Math.exp(ORDER1_BONUS) + COPY_VOCAB - 1) + ORDER1_COST + (PANGRAM.length - 2) * COPY_COST;
  assert.ok(turn.bits <= bound + 1e-9, `${turn.bits} bits, bound ${bound}`);
  assert.ok(turn.iotaBits > 0.9 * turn.baselineBits, `${turn.iotaBits} of ${turn.baselineBits} bits`);
});

test('a model without a chat template, a template that rewrites contents, and one side missing are refused plainly; a template that trims every content lays out the trimmed contents', async () => {
  await assert.rejects(dialogueInformation(new FakeModel() as never, CHAT), /has no chat template/);
  const trimming = new CopyChatModel();
  trimming.applyChatTemplate = (messages, o) =>
    new CopyChatModel().applyChatTemplate(
      messages.map((m) => ({ ...m, content: m.content.trim() })),
      o,
    );
  const padded = [
    { role: 'user', content: ' hi \n' },
    { role: 'assistant', content: 'yo ' },
  ];
  const t = await dialogueInformation(trimming, padded);
  assert.deepEqual(
    t.dialogue!.turns.map((x) => t.text.slice(x.start, x.end)),
    ['hi', 'yo'],
  );
  const escaping = new CopyChatModel();
  escaping.applyChatTemplate = (messages, o) =>
    new CopyChatModel().applyChatTemplate(
      messages.map((m) => ({ ...m, content: m.content.replace(/h/g, 'hh') })),
      o,
    );
  await assert.rejects(dialogueInformation(escaping, padded), /changes the text of the messages/);
  const dropping = new CopyChatModel();
  dropping.applyChatTemplate = (messages, o) =>
    new CopyChatModel().applyChatTemplate(
      messages.filter((m) => m.role !== 'system'),
      o,
    );
  await assert.rejects(dialogueInformation(dropping, CHAT), /leaves out message 1 \(system\)/);
});

test('past the context window the check says it is not exact, and why', async () => {
  const model = new CopyChatModel();
  (model as { info: object }).info = { ...model.info, contextWindow: 16 };
  const d = (await dialogueInformation(model, CHAT, { chunkSize: 4, stride: 4 })).dialogue!;
  assert.equal(d.conservation.exact, false);
  assert.match(d.conservation.note, /sliding window/);
  assert.ok(d.tokens.some((t) => t.truncatedContext));
  const full = (await dialogueInformation(new CopyChatModel(), CHAT)).dialogue!;
  assert.equal(full.conservation.exact, true);
});
