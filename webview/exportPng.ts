/**
 * Draws the visible charts into one PNG (title above each, theme background behind all) for the
 * "Export PNG" button. The extension checks the data URL and saves it through a save dialog.
 */
import type { Theme } from './theme';

export interface PngPart {
  title: string;
  canvas: HTMLCanvasElement;
}

const PAD = 12;
const TITLE = 22;

/** A `data:image/png;base64,` URL, or null when no part has anything drawn. */
export function composePng(doc: Document, parts: readonly PngPart[], theme: Theme): string | null {
  const drawn = parts.filter((p) => p.canvas.width > 1 && p.canvas.height > 1);
  if (drawn.length === 0) return null;
  const width = Math.max(...drawn.map((p) => p.canvas.width)) + 2 * PAD;
  const height = drawn.reduce((h, p) => h + TITLE + p.canvas.height + PAD, PAD);
  const out = doc.createElement('canvas');
  out.width = width;
  out.height = height;
  const ctx = out.getContext('2d');
  if (!ctx) return null;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = theme.foreground;
  ctx.font = `14px ${theme.fontFamily}`;
  ctx.textBaseline = 'top';
  let y = PAD;
  for (const p of drawn) {
    ctx.fillText(p.title, PAD, y + 3);
    y += TITLE;
    ctx.drawImage(p.canvas, PAD, y);
    y += p.canvas.height + PAD;
  }
  return out.toDataURL('image/png');
}
