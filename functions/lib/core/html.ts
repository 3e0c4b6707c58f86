/**
 * Output encoding for HTML and mail headers. Every lead-supplied value goes through these.
 *
 * Whatever is shown (pages, email subjects and bodies, the console, the
 * digest) goes through `displayText` first, which escapeHtml and stripCrLf
 * call: well-formed Unicode, and no bidi embedding, override or isolate
 * controls (a U+202E in a name reverses the rest of the line it is shown in,
 * e.g. "Invoice for \u202Efdp.exe" reads "Invoice for exe.pdf").
 */
import { toWellFormed } from './text';

/** Bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * A value as shown anywhere: a string ('' for undefined and null), lone
 * surrogates replaced by U+FFFD, bidi controls removed. Right-to-left text
 * itself is kept: HTML shows values in `dir="auto"` cells.
 */
export function displayText(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return toWellFormed(text).replace(BIDI_CONTROLS, '');
}

/** Escapes text for HTML element content and quoted attribute values (after displayText). */
export function escapeHtml(value: unknown): string {
  return displayText(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * For headers and subjects (after displayText): CR, LF, other line separators
 * and control characters become single spaces, so a value can never start a new header.
 */
export function stripCrLf(value: unknown): string {
  return displayText(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** Cuts to at most `max` code points (not UTF-16 units), ending with '…' when cut. */
export function truncate(value: unknown, max: number): string {
  const text = value === undefined || value === null ? '' : String(value);
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}
