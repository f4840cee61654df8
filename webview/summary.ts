/** The summary table, the selected-token detail table, the grid tables and the bucket legend: rows of text via textContent. */
import { el } from './dom';
import type { LegendItem, Row } from './viewModel';

/** Replaces a <tbody>'s rows with one <tr><th>label</th><td>value</td></tr> per row. */
export function renderRows(tbody: HTMLElement, rows: readonly Row[]): void {
  const doc = tbody.ownerDocument;
  tbody.replaceChildren(
    ...rows.map((r) =>
      el(doc, 'tr', {}, [el(doc, 'th', { text: r.label, attrs: { scope: 'row' } }), el(doc, 'td', { text: r.value })]),
    ),
  );
}

/** Replaces a <tbody>'s rows with one <tr> of <td> cells per row of strings. */
export function renderTable(tbody: HTMLElement, rows: readonly (readonly string[])[]): void {
  const doc = tbody.ownerDocument;
  tbody.replaceChildren(
    ...rows.map((cells) =>
      el(
        doc,
        'tr',
        {},
        cells.map((c) => el(doc, 'td', { text: c })),
      ),
    ),
  );
}

/** The colour scale: a swatch with the same bucket class as the strip tokens, and its range in bits. */
export function renderLegend(root: HTMLElement, items: readonly LegendItem[]): void {
  const doc = root.ownerDocument;
  root.replaceChildren(
    ...items.map((it) =>
      el(doc, 'span', { className: 'legend-item', attrs: { role: 'listitem' } }, [
        el(doc, 'span', {
          className: `swatch ${it.bucket === null ? 'nob' : `b${it.bucket}`}`,
          attrs: { 'aria-hidden': 'true' },
        }),
        el(doc, 'span', { text: it.label }),
      ]),
    ),
  );
}
