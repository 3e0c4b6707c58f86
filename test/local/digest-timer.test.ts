/** The local digest timer and route (local/digest-timer.ts). */
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '#lib/digest/schedule';
import { digestRoute, localPeriodSoFar, nextLocalDigest, startDigestTimer, type SendDigestEvent } from '../../local/digest-timer';

const weekly = parseSchedule('cron(0 8 ? * MON *)', 'UTC');

describe('local digest timer', () => {
  it('at time scale 1 fires at the schedule fire time, covering the week before it, as on AWS', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    const next = nextLocalDigest(weekly, now - 3_600_000, 1, now);
    expect(next.period).toEqual({ start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' });
    expect(next.delayMs).toBe(Date.parse('2026-11-23T08:00:00Z') - now);
    // The run after it covers the week after, even when it is computed late.
    const late = nextLocalDigest(weekly, now - 3_600_000, 1, Date.parse('2026-11-23T09:30:00Z'), next.fire);
    expect(late.period).toEqual({ start: '2026-11-23T08:00:00.000Z', end: '2026-11-30T08:00:00.000Z' });
  });

  it('at time scale 3600 a week passes in 168 s of real time: delay and period shrink alike', () => {
    const origin = Date.parse('2026-11-22T08:00:00Z'); // a day before the fire time
    const next = nextLocalDigest(weekly, origin, 3600, origin);
    expect(next.delayMs).toBe(24_000); // one virtual day
    expect(Date.parse(next.period.end) - Date.parse(next.period.start)).toBe(168_000);
    expect(next.period.end).toBe(new Date(origin + 24_000).toISOString());
  });

  it('sends one period after the other until stopped', async () => {
    const events: SendDigestEvent[] = [];
    const stop = startDigestTimer({
      schedule: parseSchedule('rate(1 minute)'),
      timeScale: 1200, // a run every 50 ms
      send: async (e) => {
        events.push(e);
      },
      onError: (err) => {
        throw err;
      },
    });
    try {
      for (let i = 0; i < 200 && events.length < 3; i += 1) await new Promise((r) => setTimeout(r, 25));
    } finally {
      stop();
    }
    expect(events.length).toBeGreaterThanOrEqual(3);
    // Consecutive periods, however late a run was.
    for (let i = 1; i < events.length; i += 1) expect(events[i]?.period?.start).toBe(events[i - 1]?.period?.end);
    expect(Date.parse(events[1]?.period?.end ?? '') - Date.parse(events[1]?.period?.start ?? '')).toBe(50);
  });
});

describe('the period so far', () => {
  it('runs from the local clock\'s last fire time, in real time, to now', () => {
    const weekly = parseSchedule('rate(7 days)');
    const origin = Date.parse('2026-11-23T08:00:00.000Z');
    // At time scale 1: the rate's fire times are the minutes; the last fire before now is now minus a week, to the minute.
    expect(localPeriodSoFar(weekly, origin, 1, origin + 90_000)).toEqual({ start: '2026-11-16T08:01:00.000Z', end: '2026-11-23T08:01:30.000Z' });
    // Mondays at 08:00 scaled 3600 times: a week passes in 168 s; 200 s after the start, the last fire was 168 s after it.
    const mondays = parseSchedule('cron(0 8 ? * MON *)');
    const soFar = localPeriodSoFar(mondays, origin, 3600, origin + 200_000);
    expect(soFar).toEqual({ start: new Date(origin + 168_000).toISOString(), end: new Date(origin + 200_000).toISOString() });
  });
});

describe('POST /local/digest', () => {
  const seen: SendDigestEvent[] = [];
  const SO_FAR = { start: '2026-11-23T08:00:00.000Z', end: '2026-11-25T10:30:00.000Z' };
  const route = digestRoute(
    async (e) => {
      seen.push(e);
      return { ok: true };
    },
    () => SO_FAR,
  );
  const call = (method: string, query = '') => route({ method, path: '/local/digest', query: new URLSearchParams(query) });

  it('passes an explicit period, a scheduled time, or (nothing given) the period so far to send-digest', async () => {
    expect((await call('POST', 'start=2026-11-16T08:00:00Z&end=2026-11-23T08:00:00Z'))?.status).toBe(200);
    await call('POST', 'scheduledTime=2026-11-23T08:00:00Z');
    await call('POST');
    expect(seen).toEqual([{ period: { start: '2026-11-16T08:00:00Z', end: '2026-11-23T08:00:00Z' } }, { scheduledTime: '2026-11-23T08:00:00Z' }, { period: SO_FAR }]);
  });

  it('answers 405 to other methods, 400 naming the missing bound, and ignores other paths', async () => {
    expect((await call('GET'))?.status).toBe(405);
    const half = await call('POST', 'start=2026-11-16T08:00:00Z');
    expect(half?.status).toBe(400);
    expect(JSON.parse(half?.body ?? '{}')).toMatchObject({ field: 'end' });
    expect(await route({ method: 'POST', path: '/local/other', query: new URLSearchParams() })).toBeUndefined();
  });
});
