/** The list of a variant's worst tokens: one button per token (its text as textContent) that selects it. */
import { el } from './dom';
import type { WorstItem } from './rateDistortionModel';

export function renderWorst(
  list: HTMLElement,
  items: readonly WorstItem[],
  onChoose: (tokenIndex: number) => void,
): void {
  const doc = list.ownerDocument;
  list.replaceChildren(
    ...items.map((w) => {
      const button = el(
        doc,
        'button',
        { className: 'worst-token', title: `Select this token in the editor (${w.detail})`, attrs: { type: 'button' } },
        [el(doc, 'span', { className: 'tok', text: w.text }), el(doc, 'span', { className: 'detail', text: w.detail })],
      );
      button.addEventListener('click', () => onChoose(w.tokenIndex));
      return el(doc, 'li', {}, [button]);
    }),
  );
}
