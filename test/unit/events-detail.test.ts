// Domain events field by field (events/catalogue.ts, lead-events.ts,
// publish.ts): each detail is exactly what its consumers may rely on (ids
// and codes, an optional field absent rather than empty), and what
// PutEvents gets and what a failure says are asserted by value.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTACT_FIELDS, EVENT_SOURCE, eventId, schemaFile } from '#lib/events/catalogue';
import { feedbackRepliedEvent, feedbackSharedEvent, leadCapturedEvent, leadErasedEvent, stageChangeEvents } from '#lib/events/lead-events';
import { eventEntries, publishEvents } from '#lib/events/publish';
import { TransientError } from '#lib/core/errors';
import type { LeadProfile } from '#lib/leads/records';

const ebMock = mockClient(EventBridgeClient);
const at = '2026-03-02T10:00:00.000Z';
const lead = (more: Partial<LeadProfile> = {}): LeadProfile => ({
  leadId: 'ld-1',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  company: 'Analytical Engines',
  phone: '',
  stage: 'captured',
  stageChangedAt: at,
  createdAt: at,
  updatedAt: at,
  owners: {},
  ...more,
});
const change = (from: 'negotiating' | 'customer', to: 'onboarding' | 'lost' | 'churned' | 'renewed' | 'meeting', reason: string) => ({ leadId: 'ld-1', from, to, reason, at, timeInPreviousStageMs: 60_000 });
const common = (name: string, seq: number) => ({ eventId: `${name}:ld-1:${seq}`, leadId: 'ld-1', occurredAt: at });

describe('the catalogue', () => {
  it('names the source consumers match on, each schema file, each contact field the setting may name, and ids as name:lead:happening', () => {
    expect(EVENT_SOURCE).toBe('the-model-pipeline');
    expect(schemaFile('StageChanged')).toBe('schemas/events/StageChanged.v1.json');
    expect(CONTACT_FIELDS).toEqual(['name', 'email', 'company', 'title', 'phone', 'country']);
    expect(eventId('FeedbackShared', 'ld-1', 'qualification-call:2026')).toBe('FeedbackShared:ld-1:qualification-call:2026');
  });
});

describe('each detail, exactly', () => {
  it('LeadCaptured: campaign, source and what it expands when the lead has them; contact only with the named fields that are not empty', () => {
    // toStrictEqual: a field named but missing (title) or empty (phone) is no key at all, not one holding undefined.
    expect(leadCapturedEvent(lead({ campaign: 'spring', source: 'webinar', expansionOf: 'ld-0' }), ['email', 'phone', 'title'])).toStrictEqual({
      name: 'LeadCaptured',
      detail: { ...common('LeadCaptured', 1), occurredAt: at, campaign: 'spring', source: 'webinar', expansionOf: 'ld-0', contact: { email: 'ada@example.org' } },
    });
    // Nothing optional: no key at all (not an undefined or empty one).
    expect(leadCapturedEvent(lead({ expansionOf: '' }), ['phone'])).toEqual({ name: 'LeadCaptured', detail: common('LeadCaptured', 1) });
    expect(Object.keys(leadCapturedEvent(lead(), []).detail)).toEqual(['eventId', 'leadId', 'occurredAt']);
  });

  it('a stage change: StageChanged with its fields; DealWon only into onboarding, won, with revenue; the reason code of a loss or churn; renewed with no more', () => {
    expect(stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 5, currency: 'USD' })).toEqual([
      { name: 'StageChanged', detail: { ...common('StageChanged', 6), from: 'negotiating', to: 'onboarding', reason: 'won', timeInPreviousStageMs: 60_000 } },
      { name: 'DealWon', detail: { ...common('DealWon', 6), amount: 5, currency: 'USD' } },
    ]);
    const names = (events: { name: string }[]) => events.map((e) => e.name);
    expect(names(stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6))).toEqual(['StageChanged']);
    expect(names(stageChangeEvents(change('negotiating', 'onboarding', 'expansion'), 6, { amount: 5, currency: 'USD' }))).toEqual(['StageChanged']);
    expect(names(stageChangeEvents(change('negotiating', 'meeting', 'won'), 6, { amount: 5, currency: 'USD' }))).toEqual(['StageChanged']);
    expect(stageChangeEvents(change('negotiating', 'lost', 'price'), 6)[1]).toEqual({ name: 'DealLost', detail: { ...common('DealLost', 6), reasonCode: 'price' } });
    expect(stageChangeEvents(change('customer', 'churned', 'budget-cut'), 9)[1]).toEqual({ name: 'CustomerChurned', detail: { ...common('CustomerChurned', 9), reasonCode: 'budget-cut' } });
    expect(stageChangeEvents(change('customer', 'renewed', 'renewal-due'), 9)[1]).toEqual({ name: 'CustomerRenewed', detail: common('CustomerRenewed', 9) });
  });

  it('FeedbackShared: each team once, the ratings, the reason code only when there is one; FeedbackReplied: the status; LeadErased: the id', () => {
    const ratings = { 'lead-fit': 4 };
    const review = { step: 'qualification-call' as const, from: 'inside-sales' as const, to: ['marketing', 'field-sales', 'marketing'] as const, answer: 'disqualify', ratings, answeredAt: at };
    const shared = feedbackSharedEvent('ld-1', { ...review, reasonCode: 'no-need' });
    expect(shared).toEqual({
      name: 'FeedbackShared',
      detail: { eventId: `FeedbackShared:ld-1:qualification-call:${at}`, leadId: 'ld-1', occurredAt: at, step: 'qualification-call', from: 'inside-sales', to: ['marketing', 'field-sales'], answer: 'disqualify', ratings: { 'lead-fit': 4 }, reasonCode: 'no-need' },
    });
    expect(Object.keys(feedbackSharedEvent('ld-1', { ...review, reasonCode: '' }).detail)).not.toContain('reasonCode');
    expect(Object.keys(feedbackSharedEvent('ld-1', review).detail)).not.toContain('reasonCode');
    expect(feedbackRepliedEvent('ld-1', { sk: 'FEEDBACK#x', step: 'qualification-call', from: 'inside-sales', to: 'marketing' }, { status: 'acting-on-it', repliedAt: at })).toEqual({
      name: 'FeedbackReplied',
      detail: { eventId: 'FeedbackReplied:ld-1:FEEDBACK#x', leadId: 'ld-1', occurredAt: at, step: 'qualification-call', from: 'inside-sales', to: 'marketing', status: 'acting-on-it' },
    });
    expect(leadErasedEvent('ld-1', at)).toEqual({ name: 'LeadErased', detail: common('LeadErased', 1) });
  });
});

describe('publishing', () => {
  beforeEach(() => {
    vi.stubEnv('EVENT_BUS_NAME', 'pipeline-bus');
  });
  afterEach(() => {
    ebMock.reset();
    vi.unstubAllEnvs();
  });

  it('each entry: the bus, the source, the versioned detail-type, the detail as JSON, the time it happened', () => {
    expect(eventEntries([leadErasedEvent('ld-1', at)], 'pipeline-bus')).toEqual([
      { EventBusName: 'pipeline-bus', Source: 'the-model-pipeline', DetailType: 'LeadErased.v1', Detail: JSON.stringify(common('LeadErased', 1)), Time: new Date(at) },
    ]);
  });

  it('exactly 10 events are one request (no empty one after it, which PutEvents would refuse)', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publishEvents(Array.from({ length: 10 }, (_, n) => leadErasedEvent(`ld-${n}`, at)));
    expect(ebMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10]);
  });

  it('a request that fails is a TransientError naming PutEvents and the error', async () => {
    ebMock.on(PutEventsCommand).rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    await expect(publishEvents([leadErasedEvent('ld-1', at)])).rejects.toThrow(new TransientError('PutEvents: ThrottlingException'));
  });

  it('an answer without FailedEntryCount is a success: one request', async () => {
    ebMock.on(PutEventsCommand).resolves({});
    await publishEvents([leadErasedEvent('ld-1', at)]);
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('failed entries that name no error code are all sent again, and the error says how many failed, after how many attempts, with which codes', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 2, Entries: [{}, {}] });
    const events = [leadErasedEvent('ld-1', at), leadErasedEvent('ld-2', at)];
    await expect(publishEvents(events)).rejects.toThrow(new TransientError('PutEvents: 2 of 2 events not accepted after 3 attempts (unreported)'));
    expect(ebMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([2, 2, 2]);
    // An answer that lists fewer entries than were sent, or none: the same.
    for (const answer of [{ FailedEntryCount: 2, Entries: [{}] }, { FailedEntryCount: 2 }]) {
      ebMock.reset();
      ebMock.on(PutEventsCommand).resolves(answer);
      await expect(publishEvents(events)).rejects.toThrow(new TransientError('PutEvents: 2 of 2 events not accepted after 3 attempts (unreported)'));
    }
    ebMock.reset();
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 2, Entries: [{ ErrorCode: 'InternalFailure' }, { ErrorCode: 'ThrottlingException' }] });
    await expect(publishEvents(events)).rejects.toThrow(new TransientError('PutEvents: 2 of 2 events not accepted after 3 attempts (InternalFailure, ThrottlingException)'));
  });
});
