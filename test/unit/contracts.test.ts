// The ASL and functions/lib/core/contracts.ts describe the same calls. The key sets
// below are typed against the contract (`satisfies Record<keyof Event, true>`),
// so a change on either side that is not made on the other fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  CloseDealEvent,
  OnboardCustomerEvent,
  OpenExpansionEvent,
  QualifyLeadEvent,
  RecordOutcomeEvent,
  RequestFeedbackEvent,
  ScheduleMeetingEvent,
  ShareFeedbackEvent,
} from '#lib/core/contracts';

interface TaskState {
  Type: string;
  Resource?: string;
  Arguments?: { FunctionName?: string; Payload?: Record<string, unknown> };
}
const asl = JSON.parse(readFileSync(new URL('../../statemachines/lead-lifecycle.asl.json', import.meta.url), 'utf8')) as {
  States: Record<string, TaskState>;
};

const keys = {
  QualifyLead: { leadId: true } satisfies Record<keyof QualifyLeadEvent, true>,
  RequestFeedback: { leadId: true, step: true, taskToken: true, timeoutSeconds: true, escalated: true, reschedules: true, renewalDue: true } satisfies Record<keyof RequestFeedbackEvent, true>,
  ShareFeedback: { leadId: true, step: true, from: true, to: true, feedback: true } satisfies Record<keyof ShareFeedbackEvent, true>,
  ScheduleMeeting: { leadId: true, reschedules: true } satisfies Record<keyof ScheduleMeetingEvent, true>,
  CloseDeal: { leadId: true, decision: true } satisfies Record<keyof CloseDealEvent, true>,
  OnboardCustomer: { leadId: true } satisfies Record<keyof OnboardCustomerEvent, true>,
  OpenExpansion: { leadId: true, checkIn: true } satisfies Record<keyof OpenExpansionEvent, true>,
  RecordOutcome: { leadId: true, outcome: true, reason: true, error: true, cause: true } satisfies Record<keyof RecordOutcomeEvent, true>,
};
const optional: Record<string, string[]> = { RecordOutcome: ['error', 'cause'], RequestFeedback: ['reschedules', 'renewalDue'] };

const lambdaTasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task' && s.Resource?.startsWith('arn:aws:states:::lambda:invoke'));

describe('state machine payloads match functions/lib/core/contracts.ts', () => {
  it('has Lambda tasks for every contract', () => {
    const used = new Set(lambdaTasks.map(([, s]) => /\$\{(\w+)FunctionArn\}/.exec(s.Arguments?.FunctionName ?? '')?.[1]));
    expect([...used].sort()).toEqual(Object.keys(keys).sort());
  });

  it.each(lambdaTasks)('%s sends exactly the contract keys', (_name, state) => {
    const fn = /\$\{(\w+)FunctionArn\}/.exec(state.Arguments?.FunctionName ?? '')?.[1] as keyof typeof keys;
    const expected = Object.keys(keys[fn]);
    const sent = Object.keys(state.Arguments?.Payload ?? {});
    const required = expected.filter((k) => !(optional[fn] ?? []).includes(k));
    for (const k of required) expect(sent, `${fn} needs ${k}`).toContain(k);
    for (const k of sent) expect(expected, `${fn} does not take ${k}`).toContain(k);
  });
});
