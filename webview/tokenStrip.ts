/**
 * The token strip: one focusable span per token, coloured by its scale bucket through the theme colours
 * semanticFlow.bucket0..7 (CSS classes b0..b7 in panel.css). A listbox with a roving tabindex: Tab enters
 * the strip, arrow keys / Home / End move, Enter or Space selects; a click selects. Text goes in with
 * textContent only.
 */
import { el } from './dom';
import type { StripToken } from './viewModel';

export interface StripSelectOptions {
  /** Scroll the token into view (nearest edge). */
  scroll?: boolean;
  /** Move keyboard focus to it (only for the user's own navigation, never for editor-driven reveals). */
  focus?: boolean;
}

export class TokenStrip {
  private items: HTMLElement[] = [];
  private readonly indexOf = new WeakMap<EventTarget, number>();
  private active = 0;
  private tabStop: HTMLElement | undefined;
  private selected: number | null = null;

  /** `onSelect` gets the position in the strip of a token the user chose. */
  constructor(
    private readonly root: HTMLElement,
    private readonly onSelect: (position: number) => void,
  ) {
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('keydown', (e) => this.onKey(e as KeyboardEvent));
  }

  render(tokens: readonly StripToken[]): void {
    this.items = [];
    this.tabStop = undefined;
    this.active = 0;
    this.selected = null;
    this.root.replaceChildren(...tokens.map((t) => this.item(t)));
    this.updateTabStop();
  }

  append(token: StripToken): void {
    this.root.appendChild(this.item(token));
    this.updateTabStop();
  }

  get length(): number {
    return this.items.length;
  }

  /** Highlights a token (or clears the highlight with null) without telling anyone. */
  setSelected(position: number | null, o: StripSelectOptions = {}): void {
    if (this.selected !== null) this.mark(this.items[this.selected], false);
    this.selected = position !== null && position >= 0 && position < this.items.length ? position : null;
    if (this.selected === null) return;
    const item = this.items[this.selected];
    this.mark(item, true);
    this.active = this.selected;
    this.updateTabStop();
    if (o.scroll) item.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (o.focus) item.focus();
  }

  private item(t: StripToken): HTMLElement {
    const classes = ['tok', t.bucket === null ? 'nob' : `b${t.bucket}`];
    if (t.special) classes.push('special');
    if (t.truncated) classes.push('truncated');
    const node = el(this.root.ownerDocument, 'span', {
      className: classes.join(' '),
      text: t.display,
      title: t.title,
      attrs: { role: 'option', 'aria-selected': 'false', 'data-index': String(t.index) },
    });
    node.tabIndex = -1;
    this.indexOf.set(node, this.items.length);
    this.items.push(node);
    return node;
  }

  private mark(item: HTMLElement | undefined, on: boolean): void {
    if (!item) return;
    item.classList.toggle('selected', on);
    item.setAttribute('aria-selected', on ? 'true' : 'false');
  }

  /** Exactly one token (the active one) is reachable with Tab. */
  private updateTabStop(): void {
    const next = this.items[this.active];
    if (this.tabStop && this.tabStop !== next) this.tabStop.tabIndex = -1;
    if (next) next.tabIndex = 0;
    this.tabStop = next;
  }

  private positionOf(target: EventTarget | null): number | undefined {
    for (let n = target as HTMLElement | null; n && n !== this.root; n = n.parentElement) {
      const i = this.indexOf.get(n);
      if (i !== undefined) return i;
    }
    return undefined;
  }

  private choose(position: number): void {
    this.setSelected(position, { scroll: true, focus: true });
    this.onSelect(position);
  }

  private onClick(e: Event): void {
    const i = this.positionOf(e.target);
    if (i !== undefined) this.choose(i);
  }

  private moveTo(position: number): void {
    if (this.items.length === 0) return;
    this.active = Math.max(0, Math.min(this.items.length - 1, position));
    this.updateTabStop();
    const item = this.items[this.active];
    item.focus();
    item.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  private onKey(e: KeyboardEvent): void {
    const step: Record<string, number> = {
      ArrowRight: 1,
      ArrowDown: 1,
      ArrowLeft: -1,
      ArrowUp: -1,
      PageDown: 20,
      PageUp: -20,
    };
    if (e.key in step) this.moveTo(this.active + step[e.key]);
    else if (e.key === 'Home') this.moveTo(0);
    else if (e.key === 'End') this.moveTo(this.items.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      if (this.items.length) this.choose(this.active);
    } else return;
    e.preventDefault();
  }
}
