// At least once, on a real table (dynalite): a stage change publishes its
// events before its EVENT item is written, so a step that fails in between
// publishes them again when it is retried (the same event ids), and a retry
// that finds the EVENT written publishes nothing. EventBridge is mocked (a
// unit test); the table is real.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { faults, startLocalTable } from './support/local-table';

const table = await startLocalTable('events-once-test', { EVENT_BUS_NAME: 'pipeline-bus' });
const ebMock = mockClient(EventBridgeClient);
const { ddb } = await import('#lib/aws/clients');
const { changeStage, putNewLead } = await import('#lib/leads/profile');
const fault = faults(ddb);

afterAll(() => table.close());
afterEach(() => {
  fault.clear();
  ebMock.reset();
});

/** The event ids of each PutEvents request, in order. */
const published = (): string[][] =>
  ebMock.commandCalls(PutEventsCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => String((JSON.parse(e.Detail ?? '{}') as { eventId: string }).eventId)));
const input = { name: 'Ada', email: 'ada@example.org', company: 'Engines', campaign: 'q3' };
const eventPut = (c: string, i: Record<string, unknown>) => c === 'PutItemCommand' && String((i.Item as { sk?: unknown } | undefined)?.sk ?? '').startsWith('EVENT#');

describe('domain events are published at least once', () => {
  it('a capture that fails before its EVENT is written publishes LeadCaptured again on the retry, then never again', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    fault.fail(eventPut);
    await expect(putNewLead('l1', input)).rejects.toThrow();
    await putNewLead('l1', input); // the client submits again: a duplicate, which completes the first
    await putNewLead('l1', input); // and again: everything is recorded, nothing to publish
    expect(published()).toEqual([['LeadCaptured:l1:1'], ['LeadCaptured:l1:1']]);
  });

  it('a stage change whose publication fails is not recorded; its retry publishes the same events and records it once', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    await putNewLead('l2', input);
    ebMock.reset();
    ebMock
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] });
    const won = { reason: 'won', revenue: { amount: 1000, currency: 'EUR' } };
    await expect(changeStage('l2', 'onboarding', won)).rejects.toMatchObject({ name: 'Pipeline.TransientError' });
    const retry = await changeStage('l2', 'onboarding', won);
    expect(retry).toMatchObject({ changed: false, counted: true });
    const again = await changeStage('l2', 'onboarding', won);
    expect(again).toMatchObject({ changed: false, counted: false });
    expect(published()).toEqual([
      ['StageChanged:l2:2', 'DealWon:l2:2'],
      ['StageChanged:l2:2', 'DealWon:l2:2'],
    ]);
  });
});
