/**
 * The engine's shared scaled clock (EngineOptions.timeOrigin): with a time
 * scale, every execution's time counts from one instant, so executions and
 * the local stack's scheduled events agree on "now" (issue 16, one clock).
 */
import { describe, expect, it } from 'vitest';
import { createEngine, ManualClock } from '../../local/engine/index';
import { flush, machine, setup } from './fixtures/runtime';

describe('timers: a shared time origin', () => {
  it('with a timeOrigin, every execution runs on one scaled clock: start dates, $now() and waits agree', async () => {
    const origin = Date.UTC(2026, 0, 1);
    const clock = new ManualClock(origin);
    const engine = createEngine({ clock, timeScale: 60, timeOrigin: origin });
    const arn = await setup(engine, machine({ W: { Type: 'Wait', Seconds: 600, Next: 'N' }, N: { Type: 'Pass', Output: { now: '{% $now() %}' }, End: true } }));
    const first = await engine.startExecution({ stateMachineArn: arn, name: 'first' });
    await flush();
    clock.advance(10_000); // 10 s of clock: 600 s of execution time, the first's wait is over
    const done = await engine.waitForExecution(first.executionArn, { timeoutMs: 2000 });
    expect(JSON.parse(done.output ?? '{}')).toEqual({ now: new Date(origin + 600_000).toISOString() });
    const second = await engine.startExecution({ stateMachineArn: arn, name: 'second' });
    expect(first.startDate.getTime()).toBe(origin);
    expect(second.startDate.getTime()).toBe(origin + 600_000); // on the shared clock, not counted again from its own start
    await flush();
    clock.advance(5_000);
    await flush();
    expect((await engine.describeExecution(second.executionArn)).status).toBe('RUNNING');
    clock.advance(5_000);
    const later = await engine.waitForExecution(second.executionArn, { timeoutMs: 2000 });
    expect(JSON.parse(later.output ?? '{}')).toEqual({ now: new Date(origin + 1_200_000).toISOString() });
    await engine.stop();
  });
});
