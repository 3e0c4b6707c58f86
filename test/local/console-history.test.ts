import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/api';
import { dueText, executionNow, failedStates, inspect, waitingOf } from '../../local/console/history';
import { leadFacts, matchesFilter, matchesSearch } from '../../local/console/lead-rows';
import type { ExecutionRow } from '../../local/console/views';

const t0 = Date.parse('2026-11-27T10:00:00Z');
let n = 0;
const ev = (type: string, details: Record<string, unknown> = {}, atSeconds = n): HistoryEvent => {
  n += 1;
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`.replace(/^(task|lambdaFunction|pass|choice|wait|succeed|fail)State(Entered|Exited)EventDetails$/, 'state$2EventDetails');
  return { id: n, previousEventId: n - 1, timestamp: new Date(t0 + atSeconds * 1000), type, ...(Object.keys(details).length > 0 ? { [key]: details } : {}) };
};
const entered = (name: string, input = '{}') => ev('TaskStateEntered', { name, input });
const exited = (name: string, output = '{}', assignedVariables?: Record<string, string>) => ev('TaskStateExited', { name, output, ...(assignedVariables ? { assignedVariables } : {}) });

describe('console history reading', () => {
  it('marks a state failed when its latest attempt failed, not when a retry succeeded or a later entry passed', () => {
    n = 0;
    const history = [
      entered('Qualify lead'), ev('TaskFailed', { error: 'Lambda.ServiceException' }), ev('TaskSucceeded', { output: '{}' }), exited('Qualify lead'),
      entered('Schedule meeting'), ev('TaskFailed', { error: 'Error', cause: 'boom' }), exited('Schedule meeting'),
      entered('Await qualification call'), ev('TaskTimedOut', { error: 'States.Timeout' }), exited('Await qualification call'),
      entered('Await qualification call'), ev('TaskSucceeded', { output: '{}' }), exited('Await qualification call'),
    ];
    expect(failedStates(history)).toEqual(['Schedule meeting']);
    expect(failedStates([...history, ev('FailStateEntered', { name: 'Lead failed', input: '{}' }), ev('ExecutionFailed', { error: 'Error' })])).toEqual(['Schedule meeting', 'Lead failed']);
  });

  it('reads what a task waits for, until when, and whether it was escalated, in execution time', () => {
    n = 0;
    const history = [
      entered('Await qualification call'),
      ev('TaskScheduled', { resource: 'invoke.waitForTaskToken', timeoutInSeconds: 3600, parameters: JSON.stringify({ Payload: { escalated: true, taskToken: 'T' } }) }, 10),
    ];
    const w = waitingOf(history, 'Await qualification call', {});
    expect(w).toEqual({ state: 'Await qualification call', kind: 'answer', since: new Date(t0 + 10_000), due: new Date(t0 + 3_610_000), escalated: true });
    expect(waitingOf([entered('Qualify lead'), ev('TaskScheduled', { resource: 'invoke', parameters: '{}' })], 'Qualify lead', {})).toBeUndefined();
    const wait = waitingOf([ev('WaitStateEntered', { name: 'Wait for next check-in', input: '{}' }, 20)], 'Wait for next check-in', { States: { 'Wait for next check-in': { Type: 'Wait', Seconds: "{% $number('600') %}" } } });
    expect(wait).toMatchObject({ kind: 'wait', due: new Date(t0 + 620_000) });
    const waitState = inspect([ev('WaitStateEntered', { name: 'Wait for next check-in', input: '{}' }, 20)], { state: 'Wait for next check-in' }, { States: { 'Wait for next check-in': { Type: 'Wait', Seconds: 600 } } });
    expect(waitState?.sections).toEqual([['Input', '{}'], ['Waits until', 'Fri, 27 Nov 2026, 10:10 UTC']]);
    // execution time runs timeScale times faster from the start
    expect(executionNow(new Date(t0), 60, new Date(t0 + 1000))).toEqual(new Date(t0 + 60_000));
    expect(dueText(new Date(t0 + 4 * 3600_000), new Date(t0))).toBe('in 4 hours');
    expect(dueText(new Date(t0), new Date(t0 + 2 * 3600_000))).toBe('2 hours overdue');
  });

  it("shows an event's or a state's input, task result, output and variables, with task tokens hidden", () => {
    n = 0;
    const history = [
      entered('Qualify lead', '{"leadId":"l-1"}'),
      ev('TaskScheduled', { resource: 'invoke.waitForTaskToken', parameters: JSON.stringify({ Payload: { leadId: 'l-1', taskToken: 'SECRET-TOKEN' } }) }),
      ev('TaskSucceeded', { output: '{"Payload":{"score":80}}' }),
      exited('Qualify lead', '{"leadId":"l-1"}', { route: '"sales-ready"' }),
    ];
    const state = inspect(history, { state: 'Qualify lead' });
    expect(state?.eventIds).toEqual([1, 2, 3, 4]);
    expect(state?.sections.map(([label]) => label)).toEqual(['Input', 'Task input', 'Task result', 'Output', 'Variables assigned']);
    expect(JSON.stringify(state)).not.toContain('SECRET-TOKEN');
    expect(state?.sections[1]?.[1]).toContain('"taskToken": "(task token, hidden)"');
    expect(state?.sections[4]?.[1]).toContain('"route": "sales-ready"');
    expect(inspect(history, { event: 3 })).toEqual({ title: 'Event 3 · TaskSucceeded', eventIds: [3], sections: [['Task result', '{\n  "Payload": {\n    "score": 80\n  }\n}']] });
    expect(inspect(history, { event: 99 })).toBeUndefined();
    expect(inspect(history, { state: 'Never entered' })).toMatchObject({ sections: [] });
  });
});

describe('executions list rows', () => {
  const row = (over: Partial<ExecutionRow>): ExecutionRow => ({ name: 'lead-1', status: 'RUNNING', startDate: new Date(t0), ...over });

  it('filters by status, by the stages that need ops, and by escalation', () => {
    expect(matchesFilter(row({ stage: 'needs-attention' }), 'needs-attention')).toBe(true);
    expect(matchesFilter(row({ stage: 'stalled' }), 'needs-attention')).toBe(false);
    expect(matchesFilter(row({ waiting: { state: 's', kind: 'answer', escalated: true } }), 'escalated')).toBe(true);
    expect(matchesFilter(row({ status: 'FAILED', waiting: { state: 's', kind: 'answer', escalated: true } }), 'escalated')).toBe(false);
    expect(matchesFilter(row({ status: 'TIMED_OUT' }), 'timed-out')).toBe(true);
    expect(matchesFilter(row({ status: 'ABORTED' }), 'running')).toBe(false);
  });

  it('searches the id, the name, the company and the email, every word, ignoring case', () => {
    const r = row({ ...leadFacts({ name: 'Ada Lovelace', company: 'Analytical Engines', email: 'ada@example.org', owners: { 'inside-sales': 'sdr1@example.com', 'field-sales': 'ae2@example.com' } }) });
    expect(r.owner).toBe('ae2@example.com');
    for (const q of ['lead-1', 'ada love', 'ANALYTICAL', 'ada@example.org']) expect(matchesSearch(r, q), q).toBe(true);
    expect(matchesSearch(r, 'ada babbage')).toBe(false);
  });
});
