/**
 * The team digest on `npm start`: what EventBridge Scheduler does on AWS.
 *
 * - A timer fires send-digest at the fire times of the same `digestSchedule`
 *   in `digestTimezone`, on a clock that runs `--time-scale` times faster
 *   from the moment the server started (like every other timer of the local
 *   runtime). Each run covers the real time between the schedule's previous
 *   and this fire time on that clock; at `--time-scale 1` that is exactly the
 *   period the deployed schedule covers. With `--time-scale 3600` the weekly
 *   digest goes out every 168 s, covering those 168 s.
 * - `POST /local/digest` sends the digests now: `?start=&end=` (ISO times)
 *   for an explicit period, `?scheduledTime=` as the schedule would pass it,
 *   or nothing for the period so far (from the timer's last fire time to
 *   now: what a manager trying it wants to see, where the last completed
 *   period may hold nothing yet). `npx tsx local/cli.ts digest` calls it. The answer is send-digest's result (period, teams sent,
 *   already sent, with nothing new).
 */
import type { LocalReply, LocalRoute } from './app-http-server';
import type { Period } from '#lib/digest/content';
import type { RecurringSchedule } from '#lib/digest/schedule';

/** setTimeout's longest delay; a later fire time is reached in several steps. */
const MAX_DELAY_MS = 2_147_483_647;

export interface SendDigestEvent {
  scheduledTime?: string;
  period?: Period;
}

/**
 * The next run of the local timer: its real delay from `nowMs`, the real
 * period it covers, and its fire time on the scaled clock (pass it back as
 * `after` for the run after it, so that a late run skips no period). The
 * clock runs `timeScale` times faster from `originMs`.
 */
export function nextLocalDigest(
  schedule: RecurringSchedule,
  originMs: number,
  timeScale: number,
  nowMs: number,
  after?: Date,
): { delayMs: number; period: Period; fire: Date } {
  const toVirtual = (ms: number): number => originMs + (ms - originMs) * timeScale;
  const toReal = (ms: number): number => originMs + (ms - originMs) / timeScale;
  const virtualNow = toVirtual(nowMs);
  const fire = schedule.next(after ?? new Date(virtualNow));
  const previous = schedule.previous(fire);
  return {
    delayMs: Math.max(0, (fire.getTime() - virtualNow) / timeScale),
    period: { start: new Date(toReal(previous.getTime())).toISOString(), end: new Date(toReal(fire.getTime())).toISOString() },
    fire,
  };
}

/**
 * The period so far on the local clock (scaled `timeScale` times from
 * `originMs`): from the schedule's latest fire time before now, in real
 * time, to now.
 */
export function localPeriodSoFar(schedule: RecurringSchedule, originMs: number, timeScale: number, nowMs: number): Period {
  const virtualNow = originMs + (nowMs - originMs) * timeScale;
  const fire = schedule.previous(new Date(virtualNow));
  return { start: new Date(originMs + (fire.getTime() - originMs) / timeScale).toISOString(), end: new Date(nowMs).toISOString() };
}

/** Runs `send` at each local fire time until stopped. A run still going when the next is due is not doubled. */
export function startDigestTimer(options: {
  schedule: RecurringSchedule;
  timeScale: number;
  send: (event: SendDigestEvent) => Promise<unknown>;
  onError: (err: unknown) => void;
  /** When the scaled clock starts. @default now */
  originMs?: number;
}): () => void {
  const origin = options.originMs ?? Date.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastFire: Date | undefined;
  const arm = (): void => {
    if (stopped) return;
    const next = nextLocalDigest(options.schedule, origin, options.timeScale, Date.now(), lastFire);
    lastFire = next.fire;
    const due = Date.now() + next.delayMs;
    const wait = (): void => {
      const left = due - Date.now();
      if (left > 0) {
        timer = setTimeout(wait, Math.min(left, MAX_DELAY_MS));
        timer.unref();
        return;
      }
      options
        .send({ period: next.period })
        .catch(options.onError)
        .finally(arm);
    };
    wait();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function json(body: unknown, status = 200): LocalReply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body, null, 1) };
}

/** `POST /local/digest`: sends the digests now (see the file comment); `soFar` gives the period so far. */
export function digestRoute(send: (event: SendDigestEvent) => Promise<unknown>, soFar: () => Period): LocalRoute {
  return async ({ method, path, query }) => {
    if (path !== '/local/digest') return undefined;
    if (method !== 'POST') return json({ message: 'POST /local/digest sends the digests now' }, 405);
    const start = query.get('start') ?? undefined;
    const end = query.get('end') ?? undefined;
    const scheduledTime = query.get('scheduledTime') ?? undefined;
    if ((start === undefined) !== (end === undefined)) return json({ message: 'give both start and end, or neither', field: start === undefined ? 'start' : 'end' }, 400);
    const event: SendDigestEvent = start !== undefined && end !== undefined ? { period: { start, end } } : scheduledTime !== undefined ? { scheduledTime } : { period: soFar() };
    try {
      return json(await send(event));
    } catch (err) {
      const e = err as { name?: string; message?: string; field?: string };
      if (e.name === 'ValidationError') return json({ message: e.message, field: e.field }, 400);
      throw err;
    }
  };
}
