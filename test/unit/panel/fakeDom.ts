/**
 * A tiny DOM for the panel tests (no jsdom/happy-dom/linkedom in node_modules): just the calls webview/
 * widgets make. Every HTML-parsing sink throws, and every created element is recorded, so a test can
 * prove document text never became markup.
 */
type Listener = (e: FakeEvent) => void;

export interface FakeEvent {
  type: string;
  target: FakeElement;
  key?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export class FakeElement {
  readonly tagName: string;
  children: FakeElement[] = [];
  parentElement: FakeElement | null = null;
  readonly attributes = new Map<string, string>();
  readonly style: Record<string, string> = {};
  tabIndex = -1;
  className = '';
  private ownText = '';
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    tag: string,
    readonly ownerDocument: FakeDocument,
  ) {
    this.tagName = tag.toUpperCase();
  }

  get textContent(): string {
    return this.children.length ? this.children.map((c) => c.textContent).join('') : this.ownText;
  }
  set textContent(v: string) {
    this.children = [];
    this.ownText = String(v);
  }
  get innerHTML(): string {
    throw new Error('innerHTML read');
  }
  set innerHTML(_v: string) {
    throw new Error('innerHTML used: document text must never be parsed as HTML');
  }
  set outerHTML(_v: string) {
    throw new Error('outerHTML used');
  }
  insertAdjacentHTML(): void {
    throw new Error('insertAdjacentHTML used');
  }

  appendChild(c: FakeElement): FakeElement {
    if (!(c instanceof FakeElement)) throw new Error('only elements are appended in these widgets');
    c.parentElement = this;
    this.children.push(c);
    return c;
  }
  append(...cs: FakeElement[]): void {
    for (const c of cs) this.appendChild(c);
  }
  replaceChildren(...cs: FakeElement[]): void {
    this.children = [];
    this.ownText = '';
    this.append(...cs);
  }

  setAttribute(k: string, v: string): void {
    if (/^on/i.test(k)) throw new Error(`event-handler attribute ${k} set`);
    this.attributes.set(k, String(v));
  }
  getAttribute(k: string): string | null {
    return this.attributes.get(k) ?? null;
  }
  removeAttribute(k: string): void {
    this.attributes.delete(k);
  }
  hasAttribute(k: string): boolean {
    return this.attributes.has(k);
  }

  get classList() {
    const list = () => this.className.split(/\s+/).filter(Boolean);
    return {
      contains: (c: string) => list().includes(c),
      toggle: (c: string, force?: boolean) => {
        const on = force ?? !list().includes(c);
        this.className = [...list().filter((x) => x !== c), ...(on ? [c] : [])].join(' ');
        return on;
      },
    };
  }

  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  /** Dispatches an event at this element and bubbles it up the parents. */
  fire(type: string, extra: { key?: string } = {}): FakeEvent {
    const e: FakeEvent = {
      type,
      target: this,
      ...extra,
      defaultPrevented: false,
      preventDefault: () => (e.defaultPrevented = true),
    };
    for (let n: FakeElement | null = this; n; n = n.parentElement) for (const fn of n.listeners.get(type) ?? []) fn(e);
    return e;
  }

  focus(): void {
    this.ownerDocument.activeElement = this;
  }
  scrollIntoView(): void {
    this.ownerDocument.scrolledTo = this;
  }

  /** All descendants, depth first. */
  *walk(): Generator<FakeElement> {
    for (const c of this.children) {
      yield c;
      yield* c.walk();
    }
  }
}

export class FakeDocument {
  readonly created: FakeElement[] = [];
  activeElement: FakeElement | null = null;
  scrolledTo: FakeElement | null = null;

  createElement(tag: string): FakeElement {
    const e = new FakeElement(tag, this);
    this.created.push(e);
    return e;
  }
  /** A detached root element owned by this document, as the widgets' host element. */
  root(tag = 'div'): FakeElement {
    return this.createElement(tag);
  }
}

/** The fake as the DOM type the widgets take. */
export const asHtml = (e: FakeElement): HTMLElement => e as unknown as HTMLElement;
