/**
 * The text rules of every edge that takes free text: POST /leads
 * (leads/schema.ts), the feedback and reply forms (feedback/steps.ts `text`,
 * feedback/replies.ts), and the CSV import (local/cli.ts). One rule each, so
 * a value refused at one edge is refused at all of them:
 *
 * - Well-formed Unicode: no lone UTF-16 surrogate (valid JSON such as
 *   `"\ud83d"` carries one). Such text cannot be URL- or UTF-8-encoded: the
 *   AWS SDK throws half way through building an SES request, and the
 *   half-built text went out with the client's next request (another lead's
 *   email). The mailer also sends only well-formed text (`toWellFormed`).
 * - No control characters: C0 (but \t, \n, \r in multi-line text), DEL and
 *   C1 (U+0080-U+009F). Single-line text also refuses \t, \n, \r and the
 *   Unicode line and paragraph separators (U+2028, U+2029).
 *
 * (`String.prototype.isWellFormed` / `toWellFormed` exist in Node 20, but not
 * in TypeScript's ES2023 library: the regular expressions below are the same test.)
 */

/** A UTF-16 surrogate not part of a pair (with the `u` flag a pair is one code point, not Cs). */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** Control characters of any text: C0 except \t \n \r, DEL, C1. */
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Control characters and line breaks of single-line text: all of C0, DEL, C1, U+2028, U+2029. */
const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const NOT_WELL_FORMED = 'must be well-formed Unicode text (it contains a lone UTF-16 surrogate)';
export const NOT_SINGLE_LINE = 'must be a single line without control characters';
export const HAS_CONTROL_CHARACTERS = 'must not contain control characters';

/** True when `text` has no lone surrogate (String.prototype.isWellFormed). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** `text` with each lone surrogate replaced by U+FFFD (String.prototype.toWellFormed). */
export function toWellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}

/**
 * What is wrong with a text value under the one rule, or undefined: not
 * well-formed, or a control character (`multiLine`: \t, \n and \r allowed).
 */
export function textProblem(text: string, options: { multiLine: boolean }): string | undefined {
  if (!isWellFormed(text)) return NOT_WELL_FORMED;
  if (options.multiLine) return CONTROL_MULTI_LINE.test(text) ? HAS_CONTROL_CHARACTERS : undefined;
  return CONTROL_SINGLE_LINE.test(text) ? NOT_SINGLE_LINE : undefined;
}
