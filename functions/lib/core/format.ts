/**
 * Values as people read them: dates in the reader's time zone (UTC when it
 * is not known) with how far away they are ("in 4 hours"), and money with
 * its currency (Intl.NumberFormat). Pages and emails show these, never raw
 * ISO strings or bare numbers.
 */

const LOCALE = 'en-GB';

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = dateFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(LOCALE, { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    dateFormats.set(timeZone, f);
  }
  return f;
}

/** A time zone Intl knows, else UTC. */
export function knownTimeZone(timeZone: string | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    new Intl.DateTimeFormat(LOCALE, { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "in 4 hours", "3 days ago", "in 20 minutes" (the largest whole unit). */
export function fromNow(iso: string | Date, now: Date = new Date()): string {
  const ms = (iso instanceof Date ? iso.getTime() : Date.parse(iso)) - now.getTime();
  if (!Number.isFinite(ms)) return '';
  const abs = Math.abs(ms);
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (abs >= 2 * day) return relative.format(Math.round(ms / day), 'day');
  if (abs >= hour) return relative.format(Math.round(ms / hour), 'hour');
  return relative.format(Math.round(ms / minute), 'minute');
}

/** "Mon, 7 Dec 2026, 02:53 UTC", in `timeZone` (UTC when unknown); the value itself when it is no date. */
export function formatDateTime(iso: string | Date, timeZone?: string): string {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return dateFormat(knownTimeZone(timeZone)).format(date);
}

/** "Mon, 7 Dec 2026, 02:53 UTC (in 4 hours)". */
export function formatDeadline(iso: string, timeZone?: string, now: Date = new Date()): string {
  const when = formatDateTime(iso, timeZone);
  const rel = fromNow(iso, now);
  return rel ? `${when} (${rel})` : when;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** "€48,000.00", "US$1,234.50": the amount with its currency; the bare number grouped when the currency is unknown. */
export function formatMoney(amount: number, currency: string | undefined): string {
  const code = currency ?? '';
  let f = moneyFormats.get(code);
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat(LOCALE, code ? { style: 'currency', currency: code } : { maximumFractionDigits: 2 });
    } catch {
      f = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
    }
    moneyFormats.set(code, f);
  }
  const text = f.format(amount);
  return code && !f.resolvedOptions().currency ? `${text} ${code}` : text;
}

/** "software" -> "Software", "1-3-months" -> "1-3 months": a code shown as words when no label is known. */
export function humanizeCode(code: string): string {
  const words = code.replace(/(?<=[a-z0-9])-(?=[a-z])|(?<=[a-z])-(?=[a-z0-9])/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The zones a booking form lists (a short list reads on a phone; the parser accepts any zone isTimeZone knows). */
export const COMMON_TIME_ZONES: readonly string[] = [
  'UTC', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Paris', 'Europe/Berlin', 'Europe/Amsterdam', 'Europe/Madrid', 'Europe/Rome',
  'Europe/Stockholm', 'Europe/Warsaw', 'Europe/Athens', 'Europe/Helsinki', 'Europe/Istanbul', 'Africa/Lagos', 'Africa/Johannesburg', 'Africa/Cairo',
  'Asia/Dubai', 'Asia/Kolkata', 'Asia/Singapore', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Perth', 'Australia/Sydney',
  'Pacific/Auckland', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Mexico_City', 'America/New_York', 'America/Toronto',
  'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Vancouver', 'America/Anchorage', 'Pacific/Honolulu',
].filter((z) => isTimeZone(z));

/** Is `zone` an IANA time zone the runtime knows (canonical or an alias such as Asia/Kolkata), or UTC? */
export function isTimeZone(zone: string): boolean {
  if (zone.length > 40 || !/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(zone)) return false;
  return knownTimeZone(zone) === zone;
}

/** The offset of `timeZone` from UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - instant;
}

/** The instant of a wall-clock `date` (YYYY-MM-DD) and `time` (HH:MM) in `timeZone`. */
export function zonedTime(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0);
  const first = wall - offsetAt(wall, timeZone);
  return new Date(wall - offsetAt(first, timeZone));
}
