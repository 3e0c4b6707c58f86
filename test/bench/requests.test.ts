/**
 * The per-function breakdown of a won lead's DynamoDB requests (bench/requests.ts)
 * attributes every request, and the stage functions make only the requests
 * they need: no read they could take from a write's answer, no write bound to
 * fail (docs/performance.md section 3).
 */
import { describe, expect, it } from 'vitest';
import { runRequests } from '../../bench/requests';

describe('DynamoDB requests per function', () => {
  it('attributes a won lead\'s requests to the functions that made them; the stage functions make no redundant ones', async () => {
    const b = await runRequests({ leads: 1 });
    const total = (handler: string) => Object.values(b.byHandler[handler] ?? {}).reduce((s, v) => s + v, 0);
    const detail = (prefix: string) => Object.entries(b.detail).filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
    expect(Object.keys(b.byHandler).sort()).toEqual(
      ['capture-lead', 'close-deal', 'feedback-page', 'onboard-customer', 'qualify-lead', 'record-outcome', 'request-feedback', 'schedule-meeting', 'share-feedback'],
    );
    expect(b.unattributed).toBe(0);
    expect(b.perLead).toBeGreaterThan(0);
    // A stage change is three writes (profile, event, funnel counter); the profile read only where the function needs it first.
    expect(total('capture-lead')).toBe(3);
    // + profile read, round-robin turn, and the team roster (one Query, then cached 30 s: the first reader of the run pays it).
    expect(total('qualify-lead')).toBe(6);
    expect(detail('qualify-lead  Query  ROSTER')).toBe(1);
    // + the booked time, read back from the lead's answered qualification call (one Query of its feedback): the time never travels through the execution.
    expect(total('schedule-meeting')).toBe(6);
    expect(detail('schedule-meeting  Query  LEAD/FEEDBACK')).toBe(1);
    // + what was promised (free text), read back from the recorded answer by its id: text never travels through the execution.
    expect(total('close-deal')).toBe(4);
    expect(detail('close-deal  GetItem  LINK/LINK')).toBe(1);
    // The reviews shared carry no text in this run: no answer id, nothing read back.
    expect(detail('share-feedback  GetItem  LINK/LINK')).toBe(0);
    // Already in onboarding (close-deal): the read, the round-robin turn, the CSM written; no stage update bound to fail.
    expect(total('onboard-customer')).toBe(3);
    // The stage change answers with the profile: no read first.
    expect(total('record-outcome')).toBe(3);
    expect(detail('record-outcome  GetItem')).toBe(0);
    // One profile read per request; one stage change (negotiating): the check-in finds a customer and writes nothing to it.
    expect(detail('request-feedback  GetItem  LEAD/PROFILE')).toBe(5);
    expect(detail('request-feedback  UpdateItem  LEAD/PROFILE')).toBe(1);
    expect(detail('request-feedback  PutItem  LEAD/EVENT')).toBe(1);
    // Three reviews shared; the onboarding review's profile comes from the stage change to customer.
    expect(detail('share-feedback  GetItem  LEAD/PROFILE')).toBe(2);
  }, 120_000);
});
