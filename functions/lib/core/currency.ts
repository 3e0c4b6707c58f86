/**
 * Deal currencies and amounts: what the deal-decision form offers and
 * accepts (feedback/steps.ts), what close-deal records, and the
 * `defaultCurrency` setting (aws/settings.ts).
 *
 * Currencies: the ISO 4217 codes the runtime knows
 * (`Intl.supportedValuesOf('currency')`), without the codes that are not
 * money one is paid in: XXX (no currency), XTS (testing), precious metals
 * (XAU, XAG, XPT, XPD), SDR and other units of account (XDR, XSU, XUA, XBA-XBD).
 *
 * Amounts: strict decimals, `1234.56`: digits, then optionally `.` and one or
 * two decimals; groups of three digits may be separated by spaces
 * (`12 500.50`), which is never ambiguous. A `,` is refused, since `1,234`
 * and `1.234,56` mean different amounts in different countries; so are
 * signs, exponents, hex and more than two decimals (`0.004` is not 0).
 */

/** ISO 4217 codes that are not a currency a deal is paid in. */
const NOT_MONEY: ReadonlySet<string> = new Set(['XXX', 'XTS', 'XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XSU', 'XUA', 'XBA', 'XBB', 'XBC', 'XBD']);

/** The currencies a deal may be in, sorted. */
export const CURRENCIES: readonly string[] = Intl.supportedValuesOf('currency').filter((c) => /^[A-Z]{3}$/.test(c) && !NOT_MONEY.has(c));

const CURRENCY_SET: ReadonlySet<string> = new Set(CURRENCIES);

/** Is `code` (exactly, upper case) one of CURRENCIES? */
export function isCurrency(code: string): boolean {
  return CURRENCY_SET.has(code);
}

/** Smallest deal amount (one cent). */
export const MIN_AMOUNT = 0.01;
/** Largest deal amount. */
export const MAX_AMOUNT = 1e12;

/** Digits (or digits grouped in threes by spaces), then optionally '.' and 1-2 decimals. */
const AMOUNT = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:\.(\d{1,2}))?$/;

/** What a deal amount must look like (error messages, the form's hint). */
export const AMOUNT_FORMAT = 'an amount such as 1234.56 (digits, optionally . and up to 2 decimals)';

/** A deal amount, or the reason it is refused (`error`, for a message naming the field). */
export function parseAmount(text: string): { amount: number } | { error: string } {
  const value = text.trim();
  if (value.includes(',')) return { error: "must be written without ',': write 1234.56 (no thousands separator, '.' before the decimals)" };
  const m = AMOUNT.exec(value);
  if (m === null) return { error: `must be ${AMOUNT_FORMAT}` };
  const amount = Number(`${(m[1] ?? '').replace(/\D/g, '')}.${m[2] ?? '0'}`);
  if (!(amount >= MIN_AMOUNT)) return { error: `must be at least ${MIN_AMOUNT}` };
  if (amount > MAX_AMOUNT) return { error: `must be at most ${MAX_AMOUNT}` };
  return { amount: Math.round(amount * 100) / 100 };
}

let names: Intl.DisplayNames | undefined;

/** "EUR: Euro" (the code alone when the runtime has no name for it). */
export function currencyLabel(code: string): string {
  names ??= new Intl.DisplayNames('en', { type: 'currency', fallback: 'code' });
  const name = names.of(code);
  return name === undefined || name === code ? code : `${code}: ${name}`;
}
