/**
 * A hand-built chat model that copies (measures.md identities 12, 13): tokens are the letters a–z, space
 * and '.', plus the special tokens <s> (BOS), <u>, <a>, <y> (user, assistant, system headers) and <e> (end
 * of turn); its chat template is `<s>` then `<role>content<e>` per message. At each position it looks for
 * the most recent earlier position whose token, and the token before it, equal the current two (an order-2
 * match) and adds COPY_BONUS to the logit of the token that followed there; failing that, an order-1 match
 * adds ORDER1_BONUS. All other logits are 0. So
 * - a token continuing an order-2 match costs exactly COPY_COST bits, log2(1 + (V − 1)·e^−COPY_BONUS);
 * - a token's prediction depends only on the positions holding its two context tokens and their successors.
 */
import type { ChatMessage } from '../../src/core/directedInput';
import type { TokenizedText } from '../../src/core/scoringModel';
import { FakeModel, fakeInfo, type FakeContext } from './fakeModel';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz .';
const SPECIALS = ['<s>', '<u>', '<a>', '<y>', '<e>'];
export const COPY_VOCAB = LETTERS.length + SPECIALS.length;
export const COPY_BONUS = 12;
export const ORDER1_BONUS = 2;
export const COPY_COST = Math.log2(1 + (COPY_VOCAB - 1) * Math.exp(-COPY_BONUS));
export const ORDER1_COST = Math.log2(1 + (COPY_VOCAB - 1) * Math.exp(-ORDER1_BONUS));
export const UNIFORM_COST = Math.log2(COPY_VOCAB);
const id = (s: string): number => (s.length === 1 ? LETTERS.indexOf(s) : LETTERS.length + SPECIALS.indexOf(s));
const HEADER: Record<string, string> = { user: '<u>', assistant: '<a>', system: '<y>' };

/** The copy model's logits for a context (its last visible token is the one predicted from). */
export function copyLogits(context: FakeContext): Float32Array {
  const out = new Float32Array(COPY_VOCAB);
  const c = context.filter((x) => x.visible).map((x) => x.id);
  const t = c.length - 1;
  let best = -1,
    bestLength = 0;
  for (let j = t - 1; j >= 0; j--) {
    if (c[j] !== c[t]) continue;
    const length = j > 0 && t > 0 && c[j - 1] === c[t - 1] ? 2 : 1;
    if (length > bestLength) {
      best = j;
      bestLength = length;
    }
    if (bestLength === 2) break;
  }
  if (best >= 0) out[c[best + 1]] = bestLength === 2 ? COPY_BONUS : ORDER1_BONUS;
  return out;
}

export class CopyChatModel extends FakeModel {
  constructor() {
    super(
      fakeInfo({ id: 'copy-chat', vocabSize: COPY_VOCAB, bosTokenId: id('<s>'), eosTokenId: id('<e>') }),
      copyLogits,
    );
  }
  override tokenize(text: string): TokenizedText {
    const out: TokenizedText = { ids: [], spans: [], special: [] };
    for (let i = 0; i < text.length; ) {
      const special = SPECIALS.find((s) => text.startsWith(s, i));
      const piece = special ?? text[i];
      if (!special && !LETTERS.includes(piece)) throw new Error(`copy-chat: no token for ${JSON.stringify(piece)}`);
      out.ids.push(id(piece));
      out.spans.push({ start: i, end: i + piece.length });
      out.special.push(special !== undefined);
      i += piece.length;
    }
    return out;
  }
  override tokenText(v: number): string {
    return v < LETTERS.length ? LETTERS[v] : SPECIALS[v - LETTERS.length];
  }
  applyChatTemplate(messages: ChatMessage[], o: { addGenerationPrompt?: boolean } = {}): string {
    return (
      '<s>' + messages.map((m) => `${HEADER[m.role]}${m.content}<e>`).join('') + (o.addGenerationPrompt ? '<a>' : '')
    );
  }
}

/** −log2 p of every token of `text` after the first, from one full pass computed here (the reference). */
export function referenceSurprisals(text: string): number[] {
  const m = new CopyChatModel();
  const ids = m.tokenize(text).ids;
  return ids.slice(1).map((target, k) => {
    const row = copyLogits(ids.slice(0, k + 1).map((v, pos) => ({ id: v, visible: true, pos })));
    const z = row.reduce((a, l) => a + Math.exp(l), 0);
    return -(row[target] - Math.log(z)) / Math.LN2;
  });
}
