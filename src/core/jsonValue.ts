/**
 * Guards for values parsed from outside the process (a server's JSON, a message from the webview, a
 * saved panel state): narrow `unknown` without a cast, and let the caller refuse anything else.
 */

/** A JSON object (not null, not an array): its fields can be read and checked one by one. */
export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number, or null for anything else (NaN, ±Infinity, a string, a missing field). */
export const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
