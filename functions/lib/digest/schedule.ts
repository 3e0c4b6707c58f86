/**
 * EventBridge Scheduler expressions (`rate(...)` and `cron(...)`), parsed and
 * evaluated in a time zone: the digest's period is the time between two fire
 * times of its schedule, and the local dev server fires it on the same times.
 *
 * Cron fields are EventBridge's: `minutes hours day-of-month month day-of-week
 * year`, day-of-week 1-7 = SUN-SAT, exactly one of day-of-month and
 * day-of-week is `?`. Supported in every field: `*`, numbers, names (JAN-DEC,
 * SUN-SAT), lists `,`, ranges `-` and steps `/`; `L` (last day) in
 * day-of-month. Not supported (an error says so): `W`, `#` and `L` in
 * day-of-week. One-time `at(...)` expressions make no sense for a recurring
 * digest and are refused.
 */

export interface RecurringSchedule {
  /** The expression as given, e.g. `cron(0 8 ? * MON *)`. */
  readonly expression: string;
  /** IANA time zone the cron fields are read in (`UTC`, `Europe/Paris`). */
  readonly timezone: string;
  /** The latest fire time at or before `t` (rate: `t` itself, to the minute). */
  latestAtOrBefore(t: Date): Date;
  /** The latest fire time strictly before `t` (rate: `t` minus the rate). */
  previous(t: Date): Date;
  /** The earliest fire time strictly after `t` (rate: `t` plus the rate). */
  next(t: Date): Date;
}

const MINUTE = 60_000;
const RATE_UNITS: Record<string, number> = { minute: MINUTE, minutes: MINUTE, hour: 60 * MINUTE, hours: 60 * MINUTE, day: 1440 * MINUTE, days: 1440 * MINUTE };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** How far the cron search looks for a fire time (days): beyond that the schedule is taken never to fire. */
const SEARCH_DAYS = 366 * 5;

/** Is `timezone` an IANA time zone this runtime knows? */
export function isTimeZone(timezone: string): boolean {
  if (timezone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a recurring EventBridge Scheduler expression. Throws an Error saying what is wrong. */
export function parseSchedule(expression: string, timezone = 'UTC'): RecurringSchedule {
  if (!isTimeZone(timezone)) throw new Error(`unknown time zone "${timezone}" (an IANA name such as UTC or Europe/Paris)`);
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(text);
  if (rate !== null) return rateSchedule(text, timezone, Number(rate[1]), rate[2] ?? '');
  const cron = /^cron\(([^()]*)\)$/.exec(text);
  if (cron !== null) return cronSchedule(text, timezone, cron[1] ?? '');
  if (text.startsWith('at(')) throw new Error('must be recurring: rate(...) or cron(...), not a one-time at(...)');
  throw new Error('must be rate(<n> <minutes|hours|days>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)');
}

function rateSchedule(expression: string, timezone: string, value: number, unit: string): RecurringSchedule {
  const unitMs = RATE_UNITS[unit];
  if (unitMs === undefined) throw new Error(`rate unit must be minute(s), hour(s) or day(s), got "${unit}"`);
  if (value < 1) throw new Error('rate must be at least 1');
  if ((value === 1) === unit.endsWith('s')) throw new Error(value === 1 ? `write rate(1 ${unit.replace(/s$/, '')})` : `write rate(${value} ${unit}s)`);
  const ms = value * unitMs;
  const floor = (t: Date): number => Math.floor(t.getTime() / MINUTE) * MINUTE;
  return {
    expression,
    timezone,
    latestAtOrBefore: (t) => new Date(floor(t)),
    previous: (t) => new Date(floor(t) - ms),
    next: (t) => new Date(floor(t) + ms),
  };
}

interface CronFields {
  minutes: number[];
  hours: number[];
  /** undefined: `?` */
  daysOfMonth?: Set<number>;
  lastDayOfMonth: boolean;
  months: Set<number>;
  /** 1-7 = SUN-SAT; undefined: `?` */
  daysOfWeek?: Set<number>;
  years: Set<number> | 'any';
}

function parseField(field: string, name: string, min: number, max: number, names: readonly string[] = [], nameBase = min): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = names.indexOf(upper);
    const n = named >= 0 ? named + nameBase : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} "${token}" is not in ${min}-${max}${names.length > 0 ? ` or ${names[0]}-${names[names.length - 1]}` : ''}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${name} step "${stepText ?? ''}" must be a positive whole number`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a);
      to = value(b);
      if (from > to) throw new Error(`${name} range "${range}" runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseCronFields(body: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`);
  const [minutes = '', hours = '', dom = '', month = '', dow = '', year = ''] = parts;
  for (const [field, text] of [
    ['day-of-month', dom],
    ['day-of-week', dow],
  ] as const) {
    if (/[W#]/i.test(text) || (field === 'day-of-week' && /L/i.test(text))) throw new Error(`${field} "${text}": W, # and L in day-of-week are not supported here`);
  }
  if ((dom === '?') === (dow === '?')) throw new Error('exactly one of day-of-month and day-of-week must be ?');
  const lastDayOfMonth = dom.toUpperCase() === 'L';
  return {
    minutes: [...parseField(minutes, 'minutes', 0, 59)].sort((a, b) => a - b),
    hours: [...parseField(hours, 'hours', 0, 23)].sort((a, b) => a - b),
    ...(dom === '?' || lastDayOfMonth ? {} : { daysOfMonth: parseField(dom, 'day-of-month', 1, 31) }),
    lastDayOfMonth,
    months: parseField(month, 'month', 1, 12, MONTHS, 1),
    ...(dow === '?' ? {} : { daysOfWeek: parseField(dow, 'day-of-week', 1, 7, DAYS, 1) }),
    years: year === '*' ? 'any' : parseField(year, 'year', 1970, 2199),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timezone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone. */
function wallClock(ms: number, timezone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year ?? 1970, mo: parts.month ?? 1, d: parts.day ?? 1, h: (parts.hour ?? 0) % 24, mi: parts.minute ?? 0, s: parts.second ?? 0 };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, timezone: string): number {
  const w = wallClock(ms, timezone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (in a DST gap: shifted by the gap, as clocks are). */
function zonedToUtc(y: number, mo: number, d: number, h: number, mi: number, timezone: string): number {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const first = asUtc - offsetAt(asUtc, timezone);
  return asUtc - offsetAt(first, timezone);
}

function cronSchedule(expression: string, timezone: string, body: string): RecurringSchedule {
  const f = parseCronFields(body);
  const dayMatches = (y: number, mo: number, d: number): boolean => {
    if (f.years !== 'any' && !f.years.has(y)) return false;
    if (!f.months.has(mo)) return false;
    if (f.lastDayOfMonth) return d === new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (f.daysOfMonth !== undefined) return f.daysOfMonth.has(d);
    return f.daysOfWeek?.has(new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 1) ?? false;
  };
  /** Fire times of the local day that holds `ms`, shifted by `dayOffset` days, in order. */
  const firesOfDay = (ms: number, dayOffset: number): number[] => {
    const w = wallClock(ms, timezone);
    const day = new Date(Date.UTC(w.y, w.mo - 1, w.d + dayOffset));
    const [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!dayMatches(y, mo, d)) return [];
    return f.hours.flatMap((h) => f.minutes.map((mi) => zonedToUtc(y, mo, d, h, mi, timezone)));
  };
  const search = (t: Date, direction: 1 | -1, accept: (fire: number) => boolean): Date => {
    const ms = t.getTime();
    for (let i = 0; i <= SEARCH_DAYS; i += 1) {
      const fires = firesOfDay(ms, direction * i);
      const hit = direction === 1 ? fires.find(accept) : fires.reverse().find(accept);
      if (hit !== undefined) return new Date(hit);
    }
    throw new Error(`${expression} does not fire within ${SEARCH_DAYS} days of ${t.toISOString()}`);
  };
  return {
    expression,
    timezone,
    latestAtOrBefore: (t) => search(t, -1, (fire) => fire <= t.getTime()),
    previous: (t) => search(t, -1, (fire) => fire < t.getTime()),
    next: (t) => search(t, 1, (fire) => fire > t.getTime()),
  };
}
