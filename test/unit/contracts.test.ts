// The ASL and functions/lib/core/contracts.ts describe the same calls. The key sets
// below are typed against the contract (`satisfies Record<keyof Event, true>`),
// so a change on either side that is not made on the other fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  CodedAnswer,
  CloseDealEvent,
  OnboardCustomerEvent,
  OpenExpansionEvent,
  QualifyLeadEvent,
  RecordOutcomeEvent,
  RequestFeedbackEvent,
  ScheduleMeetingEvent,
  ShareFeedbackEvent,
} from '#lib/core/contracts';
import { codedAnswer, codedAnswerSchema } from '#lib/feedback/answers';
import { textDetailFields } from '#lib/feedback/steps';

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
  RequestFeedback: { leadId: true, step: true, taskToken: true, timeoutSeconds: true, enteredTime: true, escalated: true, reschedules: true, renewalDue: true, owner: true, rescue: true, checkIn: true } satisfies Record<keyof RequestFeedbackEvent, true>,
  ShareFeedback: { leadId: true, step: true, from: true, to: true, feedback: true } satisfies Record<keyof ShareFeedbackEvent, true>,
  ScheduleMeeting: { leadId: true, reschedules: true } satisfies Record<keyof ScheduleMeetingEvent, true>,
  CloseDeal: { leadId: true, decision: true } satisfies Record<keyof CloseDealEvent, true>,
  OnboardCustomer: { leadId: true } satisfies Record<keyof OnboardCustomerEvent, true>,
  OpenExpansion: { leadId: true, checkIn: true } satisfies Record<keyof OpenExpansionEvent, true>,
  RecordOutcome: { leadId: true, outcome: true, reason: true, error: true, cause: true } satisfies Record<keyof RecordOutcomeEvent, true>,
};
const optional: Record<string, string[]> = { RecordOutcome: ['error', 'cause'], RequestFeedback: ['reschedules', 'renewalDue', 'owner', 'rescue', 'checkIn'] };

const lambdaTasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task' && /^arn:\$\{Partition\}:states:::lambda:invoke/.test(s.Resource ?? ''));

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

// Only ids and codes travel through an execution: the answers the wait tasks get back included.
describe('answers travel as codes', () => {
  const codedKeys = { step: true, answer: true, ratings: true, details: true, answeredAt: true, answeredBy: true, answerId: true } satisfies Record<keyof CodedAnswer, true>;
  const text = 'Ingrid said call her at home';
  const full = {
    step: 'deal-decision' as const,
    answer: 'won',
    comment: text,
    ratings: {},
    details: { amount: 48000, currency: 'EUR', promises: text, reasonCode: undefined },
    answeredAt: '2026-04-01T12:00:00.000Z',
    answeredBy: 'owner' as const,
  };
  const hash = 'a'.repeat(64);

  it('SendTaskSuccess gets the codes and the answer id, never the comment or a text detail', () => {
    const coded = codedAnswer(full, hash);
    expect(Object.keys(coded).sort()).toEqual(Object.keys(codedKeys).sort());
    expect(coded).toEqual({ step: 'deal-decision', answer: 'won', ratings: {}, details: { amount: 48000, currency: 'EUR' }, answeredAt: full.answeredAt, answeredBy: 'owner', answerId: hash });
    expect(JSON.stringify(coded)).not.toContain(text);
    // No text, nothing to read back: no answer id.
    expect(codedAnswer({ ...full, comment: '', details: { reasonCode: 'price' } }, hash)).not.toHaveProperty('answerId');
    // What the steps accept as a coded answer has no room for text.
    expect(Object.keys(codedAnswerSchema.shape).sort()).toEqual(Object.keys(codedKeys).sort());
    expect(Object.keys(codedAnswerSchema.shape.details.shape).sort()).toEqual(['amount', 'currency', 'reasonCode']);
  });

  it('the steps that get an answer from the state machine get a CodedAnswer', () => {
    expectTypeOf<ShareFeedbackEvent['feedback']>().toEqualTypeOf<CodedAnswer>();
    expectTypeOf<CloseDealEvent['decision']>().toEqualTypeOf<CodedAnswer>();
    expectTypeOf<OpenExpansionEvent['checkIn']>().toEqualTypeOf<CodedAnswer>();
  });

  it('the state machine reads no free text of an answer', () => {
    const expressions = JSON.stringify(asl).match(/\{%.*?%\}/g) ?? [];
    expect(expressions.length).toBeGreaterThan(0);
    for (const field of ['comment', ...textDetailFields()]) {
      const reading = expressions.filter((e) => new RegExp(`\\.${field}\\b`).test(e));
      expect(reading, `ASL reads ${field}`).toEqual([]);
    }
  });
});
