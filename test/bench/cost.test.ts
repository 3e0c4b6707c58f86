/** Short run of the cost benchmark (two quick paths on both designs): well-formed, positive figures. */
import { describe, expect, it } from 'vitest';
import { runCost } from '../../bench/cost';

describe('cost benchmark', () => {
  it('counts and prices real runs of the pipeline and of the reminder-loop baseline', async () => {
    // A slower clock than the full run (an hour per second): no answer misses its scaled SLA on a busy machine.
    const r = await runCost({ paths: ['disqualified', 'stalled'], timeScale: 3600 });
    for (const design of [r.pipeline, r.baseline]) {
      for (const p of ['disqualified', 'stalled'] as const) {
        const u = design[p].usage;
        expect(u.transitions, p).toBeGreaterThan(0);
        expect(u.lambdaInvocations, p).toBeGreaterThan(0);
        expect(u.lambdaBilledMs, p).toBeGreaterThan(0);
        expect(u.ddbRequests, p).toBeGreaterThan(0);
        expect(u.wru, p).toBeGreaterThan(0);
        expect(u.emails, p).toBeGreaterThan(0);
        expect(u.httpRequests, p).toBeGreaterThan(0);
      }
    }
    expect(r.pipeline.disqualified.status).toBe('SUCCEEDED/disqualified');
    expect(r.pipeline.stalled.status).toBe('FAILED/stalled');
    expect(r.baseline.stalled.status).toBe('FAILED/stalled');
    expect(r.baseline.stalled.states).toContain('Reminder due? Await qualification call');
    // The stalled lead's request and escalation are each reminded (Inside Sales); reminders are batched per person, never split.
    expect(r.pipeline.stalled.remindersByTeam).toEqual({ 'inside-sales': 2 });
    expect(r.requestsPerReminderEmail['inside-sales']).toBeGreaterThanOrEqual(1);
    expect(r.assumptions.weeklyLeads).toBeGreaterThan(0);
    expect(Object.keys(r.costPer1000Leads).sort()).toEqual(['disqualified', 'lost', 'mix', 'nurture', 'stalled', 'won']);
    for (const v of [...Object.values(r.costPer1000Leads), ...Object.values(r.baselineCostPer1000Leads), r.reminderLoopCostRatio]) expect(v).toBeGreaterThan(0);
    // A rescued lead: "Qualify lead" failed, ops retried it from the rescue request, then the lead went the disqualified way.
    const rescued = r.rescued;
    if (rescued === undefined) throw new Error('no rescued lead measured');
    expect(rescued.measure.status).toBe('SUCCEEDED/disqualified');
    expect(rescued.measure.states.filter((s) => s === 'Qualify lead')).toHaveLength(2);
    expect(rescued.measure.states).toEqual(expect.arrayContaining(['Needs attention', 'Await rescue decision', 'Rescue decision']));
    expect(rescued.measure.emailSubjects.some((s) => s.startsWith('Needs attention'))).toBe(true);
    // It uses more of everything counted than the same lead not rescued (its dollars also weigh billed ms, which a busy machine inflates).
    const [more, less] = [rescued.measure.usage, r.pipeline.disqualified.usage];
    const usage = JSON.stringify({ rescued: more, disqualified: less });
    expect(more.transitions, usage).toBe(less.transitions + 4); // Needs attention, Await rescue decision, Rescue decision, Qualify lead again
    for (const k of ['lambdaInvocations', 'ddbRequests', 'emails', 'httpRequests'] as const) expect(more[k], `${k}: ${usage}`).toBeGreaterThan(less[k]);
    expect(rescued.costPer1000Leads).toBeGreaterThan(0);
    // Off the happy path: no path of the mix enters a rescue state.
    for (const p of ['disqualified', 'stalled'] as const) expect(r.pipeline[p].states, p).not.toContain('Needs attention');
  }, 300_000);
});
