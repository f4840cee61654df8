/**
 * The only way the webview builds DOM: createElement + textContent + setAttribute. Document text is data;
 * nothing here (or anywhere in webview/) parses a string as HTML. A unit test greps for the HTML sinks.
 */
export interface ElProps {
  className?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  props: ElProps = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.setAttribute('title', props.title);
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.appendChild(c);
  return node;
}

/** The element with this id; a missing one is a bug in panelHtml.ts, so it throws with the id. */
export function byId<T extends HTMLElement = HTMLElement>(doc: Document, id: string): T {
  const node = doc.getElementById(id);
  if (!node) throw new Error(`Semantic Flow panel: element #${id} is missing from the page.`);
  return node as T;
}

export function setHidden(node: HTMLElement, hidden: boolean): void {
  if (hidden) node.setAttribute('hidden', '');
  else node.removeAttribute('hidden');
}
