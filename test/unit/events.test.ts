/**
 * Domain events: every event the builders make is valid against its JSON
 * Schema (schemas/events, ajv), carries a deterministic event id and no
 * personal data unless eventContactFields names it; the schemas agree with
 * the code's catalogues; publishEvents sends the events of a happening in
 * one PutEvents, sends failed entries again and throws rather than lose one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FEEDBACK_STEPS, STAGES, TEAMS } from '#lib/core/contracts';
import { EVENT_NAMES, EVENT_SOURCE, detailType, schemaFile, type DomainEvent } from '#lib/events/catalogue';
import { feedbackRepliedEvent, feedbackSharedEvent, leadCapturedEvent, leadErasedEvent, stageChangeEvents } from '#lib/events/lead-events';
import { PUT_ATTEMPTS, publishEvents } from '#lib/events/publish';
import type { LeadProfile } from '#lib/leads/records';
import { REPO_ROOT } from '../../infra/paths';
import { EVENT_VALIDATORS, schemaErrors } from './support/event-schemas';

const ebMock = mockClient(EventBridgeClient);

const lead: LeadProfile = {
  leadId: 'ld-1',
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  company: 'Analytical Engines',
  title: 'CTO',
  campaign: 'q3-launch',
  source: 'webinar',
  stage: 'captured',
  stageChangedAt: '2026-03-01T09:00:00.000Z',
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
  owners: {},
};
const at = '2026-03-02T10:00:00.000Z';
const change = (from: (typeof STAGES)[number], to: (typeof STAGES)[number], reason: string) => ({ leadId: 'ld-1', from, to, reason, at, timeInPreviousStageMs: 60_000 });

/** One event of every kind, as the pipeline builds them. */
function everyEvent(): DomainEvent[] {
  return [
    leadCapturedEvent(lead, []),
    ...stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 120_000, currency: 'EUR' }),
    ...stageChangeEvents(change('negotiating', 'lost', 'price'), 6),
    ...stageChangeEvents(change('customer', 'churned', 'budget-cut'), 9),
    ...stageChangeEvents(change('customer', 'renewed', 'renewal-due'), 9),
    feedbackSharedEvent('ld-1', { step: 'onboarding-review', from: 'customer-success', to: ['marketing', 'field-sales', 'marketing'], answer: 'on-track', ratings: { 'expectations-set-right': 2 }, answeredAt: at }),
    feedbackRepliedEvent('ld-1', { sk: `FEEDBACK#${at}#onboarding-review#marketing`, step: 'onboarding-review', from: 'customer-success', to: 'marketing' }, { status: 'acting-on-it', repliedAt: at }),
    leadErasedEvent('ld-1', at),
  ];
}

describe('the events and their schemas', () => {
  it('one schema file per event, named by its detail-type, and nothing else in schemas/events', () => {
    expect(readdirSync(join(REPO_ROOT, 'schemas/events')).sort()).toEqual(EVENT_NAMES.map((n) => schemaFile(n).split('/').pop()).sort());
    expect(EVENT_VALIDATORS.size).toBe(EVENT_NAMES.length);
    expect(detailType('StageChanged')).toBe('StageChanged.v1');
  });

  it('every event the pipeline builds is valid against its schema, and builds every kind', () => {
    const events = everyEvent();
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(EVENT_NAMES));
    for (const e of events) expect(schemaErrors(detailType(e.name), e.detail), e.name).toEqual([]);
  });

  it('the schemas refuse what the code never sends: an unknown stage, an extra field (personal data), a bad time', () => {
    const [stage] = stageChangeEvents(change('meeting', 'negotiating', 'held-proceed'), 4);
    expect(schemaErrors('StageChanged.v1', { ...stage?.detail, to: 'somewhere' })).not.toEqual([]);
    expect(schemaErrors('StageChanged.v1', { ...stage?.detail, email: 'ada@example.org' })).not.toEqual([]);
    expect(schemaErrors('StageChanged.v1', { ...stage?.detail, occurredAt: 'yesterday' })).not.toEqual([]);
    expect(schemaErrors('LeadCaptured.v1', { ...leadCapturedEvent(lead, []).detail, contact: { notes: 'x' } })).not.toEqual([]);
  });

  it("the schemas' stages, teams and steps are the code's (contracts.ts)", () => {
    const stageSchema = EVENT_VALIDATORS.get('StageChanged.v1')?.schema as { properties: { to: { enum: string[] } } };
    expect(stageSchema.properties.to.enum).toEqual([...STAGES]);
    const shared = EVENT_VALIDATORS.get('FeedbackShared.v1')?.schema as { properties: { from: { enum: string[] }; step: { enum: string[] } } };
    expect(shared.properties.from.enum).toEqual([...TEAMS]);
    expect(shared.properties.step.enum).toEqual([...FEEDBACK_STEPS]);
  });

  it('ids are deterministic: the same happening gives the same id, another happening another', () => {
    const once = stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 1, currency: 'EUR' });
    const again = stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 1, currency: 'EUR' });
    expect(again.map((e) => e.detail.eventId)).toEqual(once.map((e) => e.detail.eventId));
    expect(once.map((e) => e.detail.eventId)).toEqual(['StageChanged:ld-1:6', 'DealWon:ld-1:6']);
    const next = stageChangeEvents(change('onboarding', 'customer', 'onboarded'), 7);
    expect(next[0]?.detail.eventId).toBe('StageChanged:ld-1:7');
  });

  it('a stage change says what it means: won with its revenue, lost and churned with the reason code, renewed', () => {
    const names = (events: DomainEvent[]) => events.map((e) => e.name);
    expect(names(stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 5, currency: 'USD' }))).toEqual(['StageChanged', 'DealWon']);
    expect(names(stageChangeEvents(change('qualifying', 'meeting', 'book-meeting'), 3))).toEqual(['StageChanged']);
    expect(stageChangeEvents(change('negotiating', 'lost', 'price'), 6)[1]?.detail).toMatchObject({ reasonCode: 'price' });
    expect(names(stageChangeEvents(change('customer', 'churned', 'budget-cut'), 9))).toEqual(['StageChanged', 'CustomerChurned']);
    expect(names(stageChangeEvents(change('customer', 'renewed', 'renewal-due'), 9))).toEqual(['StageChanged', 'CustomerRenewed']);
  });

  it('no personal data by default: the lead id and codes only; eventContactFields adds exactly the fields it names', () => {
    const text = JSON.stringify(everyEvent());
    for (const value of [lead.name, lead.email, lead.company, lead.title ?? '']) expect(text).not.toContain(value);
    const named = leadCapturedEvent(lead, ['email', 'company', 'phone']);
    expect(named.detail).toMatchObject({ contact: { email: 'ada@example.org', company: 'Analytical Engines' } });
    expect(JSON.stringify(named)).not.toContain(lead.name);
    expect(schemaErrors('LeadCaptured.v1', named.detail)).toEqual([]);
  });

  it('reads eventContactFields from EVENT_CONTACT_FIELDS; none when unset', () => {
    try {
      expect(leadCapturedEvent(lead).detail).not.toHaveProperty('contact');
      vi.stubEnv('EVENT_CONTACT_FIELDS', '["name"]');
      expect(leadCapturedEvent(lead).detail).toMatchObject({ contact: { name: 'Ada Lovelace' } });
      vi.stubEnv('EVENT_CONTACT_FIELDS', '["notes"]');
      expect(() => leadCapturedEvent(lead)).toThrow(/EVENT_CONTACT_FIELDS/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('publishEvents', () => {
  beforeEach(() => {
    vi.stubEnv('EVENT_BUS_NAME', 'pipeline-bus');
  });
  afterEach(() => {
    ebMock.reset();
    vi.unstubAllEnvs();
  });

  it('sends the events of a happening in one PutEvents to the bus, source the-model-pipeline, the versioned detail-type, the time it happened', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    await publishEvents(stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 5, currency: 'EUR' }));
    const calls = ebMock.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]?.args[0].input.Entries ?? [];
    expect(entries.map((e) => [e.EventBusName, e.Source, e.DetailType, e.Time?.toISOString()])).toEqual([
      ['pipeline-bus', EVENT_SOURCE, 'StageChanged.v1', at],
      ['pipeline-bus', EVENT_SOURCE, 'DealWon.v1', at],
    ]);
    expect(JSON.parse(entries[1]?.Detail ?? '{}')).toMatchObject({ eventId: 'DealWon:ld-1:6', amount: 5, currency: 'EUR' });
  });

  it('sends only the failed entries again, and succeeds when they get through', async () => {
    ebMock
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await publishEvents(stageChangeEvents(change('negotiating', 'onboarding', 'won'), 6, { amount: 5, currency: 'EUR' }));
    const sent = ebMock.commandCalls(PutEventsCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => e.DetailType));
    expect(sent).toEqual([['StageChanged.v1', 'DealWon.v1'], ['DealWon.v1']]);
  });

  it('throws a TransientError naming the error codes when entries still fail, so the step is retried (nothing silently lost)', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    await expect(publishEvents([leadErasedEvent('ld-1', at)])).rejects.toMatchObject({ name: 'Pipeline.TransientError', message: expect.stringContaining('InternalFailure') as unknown });
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(PUT_ATTEMPTS);
  });

  it('a throttled request is a TransientError too', async () => {
    ebMock.on(PutEventsCommand).rejects(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }));
    await expect(publishEvents([leadErasedEvent('ld-1', at)])).rejects.toMatchObject({ name: 'Pipeline.TransientError' });
  });

  it('more than 10 events go in requests of at most 10 (the PutEvents limit)', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await publishEvents(Array.from({ length: 23 }, (_, n) => leadErasedEvent(`ld-${n}`, at)));
    expect(ebMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
  });

  it('nothing to publish, or no bus (a unit test of domain code): no request', async () => {
    await publishEvents([]);
    vi.stubEnv('EVENT_BUS_NAME', '');
    await publishEvents([leadErasedEvent('ld-1', at)]);
    expect(ebMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
