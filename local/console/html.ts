/**
 * Server-side HTML with escaping by default: `html` is a tagged template
 * whose interpolations are escaped unless they are `Html` values (made by
 * `html` itself or, for trusted markup, `raw`). Arrays are joined. Values
 * are shown as everywhere else (functions/lib/core/html.ts displayText): no
 * bidi controls, well-formed Unicode.
 */
import { displayText } from '#lib/core/html';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function esc(value: unknown): string {
  return displayText(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('');
  if (value === false || value === null || value === undefined) return '';
  return esc(value);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup the caller vouches for (never lead-supplied data). */
export function raw(markup: string): Html {
  return new Html(markup);
}
