/** Output encoding for HTML and mail headers. Every lead-supplied value goes through these. */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return text.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * For headers and subjects: CR, LF, other line separators and control characters
 * become single spaces, so a value can never start a new header.
 */
export function stripCrLf(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
}

/** Cuts to at most `max` code points (not UTF-16 units), ending with '…' when cut. */
export function truncate(value: unknown, max: number): string {
  const text = value === undefined || value === null ? '' : String(value);
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}
