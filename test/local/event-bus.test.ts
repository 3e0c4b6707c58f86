/**
 * The local EventBridge (local/event-bus.ts) through the AWS SDK, as the
 * functions reach it (an endpoint URL): PutEvents accepted and appended to the
 * events file, and refused where EventBridge refuses it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES, entrySize, readBusEvents, startEventBus } from '../../local/event-bus';
import type { LoopbackServer } from '../../local/loopback-server';

const dir = mkdtempSync(join(tmpdir(), 'event-bus-'));
const file = join(dir, 'events.jsonl');
let bus: LoopbackServer;
let client: EventBridgeClient;

beforeAll(async () => {
  bus = await startEventBus({ buses: ['pipeline-bus'], region: 'us-east-1', accountId: '123456789012', file });
  client = new EventBridgeClient({ endpoint: bus.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (detail: unknown, extra: Record<string, unknown> = {}) => ({
  EventBusName: 'pipeline-bus',
  Source: 'the-model-pipeline',
  DetailType: 'StageChanged.v1',
  Detail: typeof detail === 'string' ? detail : JSON.stringify(detail),
  ...extra,
});

describe('local EventBridge', () => {
  it('accepts PutEvents from the SDK and appends each event as a target receives it, oldest first, to a file only its owner reads', async () => {
    const before = readBusEvents(file).length;
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry({ leadId: 'a', n: 1 }, { Time: new Date('2026-03-01T10:00:00Z') }), entry({ leadId: 'a', n: 2 }, { EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/pipeline-bus' })] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    const events = readBusEvents(file).slice(before);
    expect(events.map((e) => e.detail)).toEqual([{ leadId: 'a', n: 1 }, { leadId: 'a', n: 2 }]);
    expect(events[0]).toMatchObject({ version: '0', source: 'the-model-pipeline', 'detail-type': 'StageChanged.v1', time: '2026-03-01T10:00:00Z', account: '123456789012', region: 'us-east-1' });
    expect(events.map((e) => e.id)).toEqual(out.Entries?.map((e) => e.EventId));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses per entry what EventBridge refuses per entry, keeping the valid ones: a Detail that is not a JSON object, a missing field, an aws. source', async () => {
    const before = readBusEvents(file).length;
    const out = await client.send(
      new PutEventsCommand({ Entries: [entry('not json'), entry('[1,2]'), entry({ ok: true }), entry({ x: 1 }, { Source: undefined }), entry({ x: 1 }, { Source: 'aws.events' })] }),
    );
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['MalformedDetail', 'MalformedDetail', 'ok', 'InvalidArgument', 'NotAuthorizedForSourceException']);
    expect(out.Entries?.[3]?.ErrorMessage).toContain('Source');
    expect(readBusEvents(file).slice(before).map((e) => e.detail)).toEqual([{ ok: true }]);
  });

  it('refuses a request of more than 10 entries, or none, or over 256 KB, or to an unknown bus, and keeps nothing of it', async () => {
    const before = readBusEvents(file).length;
    const eleven = Array.from({ length: 11 }, (_, n) => entry({ n }));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('less than or equal to 10') as unknown });
    await expect(client.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
    const big = entry({ blob: 'x'.repeat(MAX_REQUEST_BYTES / 2) });
    expect(entrySize(big) * 2).toBeGreaterThan(MAX_REQUEST_BYTES);
    await expect(client.send(new PutEventsCommand({ Entries: [big, big] }))).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('over the limit') as unknown });
    await expect(client.send(new PutEventsCommand({ Entries: [entry({ n: 1 }, { EventBusName: 'other-bus' })] }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(readBusEvents(file)).toHaveLength(before);
  });

  it('counts sizes as EventBridge does: 14 bytes for a Time, then the UTF-8 bytes of Source, DetailType, Detail and resources', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '{"é":1}', Resources: ['r'] })).toBe(2 + 1 + 8 + 1);
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '{}', Time: 1 })).toBe(14 + 2 + 1 + 2);
  });
});
