/**
 * Publishing domain events (./catalogue.ts) to the pipeline's EventBridge bus
 * (EVENT_BUS_NAME) with PutEvents: the events of one happening in one
 * request (up to 10 entries a request), the entries EventBridge reports as
 * failed (FailedEntryCount) sent again, and a TransientError when some still
 * fail, so the step is retried (the state machine's Retry, or the client of
 * an HTTP route on its 503) and publishes the same events, with the same
 * event ids, again: at least once, never silently lost.
 *
 * Callers publish before they record the happening as done (the stage
 * change's EVENT item, leads/profile.ts): a retry that finds it not done
 * publishes again.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventBridge } from '#lib/aws/clients';
import { ENV, optionalEnv } from '#lib/aws/config';
import { TransientError, asTransient } from '#lib/core/errors';
import { EVENT_SOURCE, detailType, type DomainEvent } from './catalogue';

/** PutEvents takes at most 10 entries. */
export const MAX_ENTRIES_PER_REQUEST = 10;
/** Requests for one batch: the first, then the failed entries again. */
export const PUT_ATTEMPTS = 3;

/** The PutEvents entries of `events` on `bus`: source, detail-type, the detail as JSON, the happening's time. */
export function eventEntries(events: readonly DomainEvent[], bus: string): PutEventsRequestEntry[] {
  return events.map((e) => ({
    EventBusName: bus,
    Source: EVENT_SOURCE,
    DetailType: detailType(e.name),
    Detail: JSON.stringify(e.detail),
    Time: new Date(e.detail.occurredAt),
  }));
}

/**
 * The bus, or undefined where there is none: the stack and the local
 * runtime set EVENT_BUS_NAME for every function that publishes
 * (infra/function-table.ts `publishesEvents`, checked by
 * test/infra/stack.test.ts); unit tests of domain code run without a bus.
 */
function eventBusName(): string | undefined {
  return optionalEnv(ENV.eventBusName);
}

const pause = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Publishes the events (none: no request). Throws a TransientError naming the error codes when entries still fail after PUT_ATTEMPTS. */
export async function publishEvents(events: readonly DomainEvent[]): Promise<void> {
  const bus = eventBusName();
  if (bus === undefined || events.length === 0) return;
  const entries = eventEntries(events, bus);
  for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_REQUEST) {
    await putAll(entries.slice(i, i + MAX_ENTRIES_PER_REQUEST));
  }
}

async function putAll(batch: PutEventsRequestEntry[]): Promise<void> {
  let pending = batch;
  for (let attempt = 1; ; attempt += 1) {
    let failed: { entry: PutEventsRequestEntry; code: string }[];
    try {
      const out = await eventBridge.send(new PutEventsCommand({ Entries: pending }));
      if ((out.FailedEntryCount ?? 0) === 0) return;
      // Entries come back in the order sent; a failed one has an ErrorCode.
      failed = pending.flatMap((entry, n) => {
        const code = out.Entries?.[n]?.ErrorCode;
        return code === undefined ? [] : [{ entry, code }];
      });
      if (failed.length === 0) failed = pending.map((entry) => ({ entry, code: 'unreported' }));
    } catch (error) {
      throw asTransient(error, 'PutEvents');
    }
    if (attempt >= PUT_ATTEMPTS) {
      const codes = [...new Set(failed.map((f) => f.code))].join(', ');
      throw new TransientError(`PutEvents: ${failed.length} of ${pending.length} events not accepted after ${attempt} attempts (${codes})`);
    }
    pending = failed.map((f) => f.entry);
    await pause(100 * 2 ** attempt * Math.random()); // full jitter
  }
}
