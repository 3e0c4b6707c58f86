/**
 * remind-pending's sweep: ONE reminder email per person per sweep, listing
 * every request of theirs that is due, each with its own links (a rep with
 * three overdue meetings gets one email, not three).
 *
 * Due requests come from the byReminderDue buckets of today and yesterday
 * (UTC), gsi3sk <= now (no Scan). Each request is reminded exactly once:
 *   1. every request of the email is marked with the email's idempotency key
 *      (the same set of requests gives the same key);
 *   2. the email is sent through the mail marker (sendEmail), with a fresh
 *      alias link per request (the original link id is not stored);
 *   3. the requests leave the index (clearReminder).
 * A sweep retried after a crash finds the requests of step 1 or 2 again: those
 * whose marked email went out are only cleared, the others are reminded.
 *
 * One clock: "now" is the scheduled event's own `time` (remind-pending), not
 * this function's clock. Deadlines and reminder times are on the executions'
 * clock (feedback/links.ts), and so is the event's time, on AWS as under the
 * local `--time-scale` (local/stack.ts fires the sweep with a scaled time).
 */
import { createHash } from 'node:crypto';
import { formatDeadline } from '#lib/core/format';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { items } from '#lib/aws/paginate';
import { asTransient } from '#lib/core/errors';
import { timeZoneOf } from '#lib/teams/directory';
import { type FeedbackDeps, feedbackRequestEmail, feedbackUrl } from './requests';
import { renderEmail, type RenderedEmail } from '#lib/mail/layout';
import { stepDefinition } from './steps';
import { INDEX, reminderBucket } from '#lib/core/keys';
import { getLead } from '#lib/leads/profile';
import type { LeadProfile } from '#lib/leads/records';
import { type FeedbackRequest, clearReminder, createAlias, deleteLink, hashLinkId, markReminding } from './links';
import { sendEmail, wasSent } from '#lib/mail/mailer';
import { errorSummary, logger } from '#lib/aws/observability';

export interface SweepResult {
  /** Requests reminded (each counted once, whatever email it went into). */
  reminded: number;
  /** Reminder emails sent: at most one per person. */
  emails: number;
  skipped: number;
  failed: number;
}

interface Due {
  request: FeedbackRequest;
  lead: LeadProfile;
  aliasId: string;
}

async function dueRequests(now: Date): Promise<FeedbackRequest[]> {
  const nowIso = now.toISOString();
  const out: FeedbackRequest[] = [];
  for (const bucket of [reminderBucket(nowIso), reminderBucket(new Date(now.getTime() - 86_400_000).toISOString())]) {
    const send = async (ExclusiveStartKey: Record<string, unknown> | undefined) => {
      try {
        return await ddb.send(
          new QueryCommand({
            TableName: tableName(),
            IndexName: INDEX.byReminderDue,
            KeyConditionExpression: 'gsi3pk = :bucket AND gsi3sk <= :upper',
            ExpressionAttributeValues: { ':bucket': bucket, ':upper': `${nowIso}#~` },
            ExclusiveStartKey,
          }),
        );
      } catch (error) {
        throw asTransient(error, 'dueRequests');
      }
    };
    for await (const item of items(send)) out.push(item as unknown as FeedbackRequest);
  }
  return out;
}

/** The idempotency key of one person's reminder email: the same requests give the same key. */
function reminderKeyOf(hashes: readonly string[]): string {
  return `remind#${createHash('sha256').update([...hashes].sort().join(','), 'utf8').digest('hex').slice(0, 32)}`;
}

/** One request: the full request email, marked as a reminder. Several: a list, one section (with its buttons) per request, most urgent first. */
function reminderEmail(due: readonly Due[], publicBaseUrl: string, timeZone: string, now: Date): RenderedEmail {
  const [only] = due;
  if (due.length === 1 && only) {
    return feedbackRequestEmail({ lead: only.lead, step: only.request.step, linkId: only.aliasId, publicBaseUrl, deadline: only.request.deadline, escalated: only.request.escalated, reminder: true, timeZone, now });
  }
  const title = `Reminder: ${due.length} requests waiting for your answer`;
  return renderEmail({
    subject: title,
    heading: title,
    paragraphs: ['These requests are still open, most urgent first. Each button opens a short form; nothing is recorded until you submit it.'],
    sections: due.map(({ request, lead, aliasId }, i) => {
      const def = stepDefinition(request.step);
      return {
        title: `${i + 1}. ${request.escalated ? 'Escalated: ' : ''}${def.title}`,
        rows: [
          { label: 'Lead', value: lead.name },
          { label: 'Company', value: lead.company },
          { label: 'Answer by', value: formatDeadline(request.deadline, timeZone, now) },
          { label: 'Question', value: def.prompt },
        ],
        buttons: def.answers.map((a) => ({ label: a.label, url: feedbackUrl(publicBaseUrl, aliasId, a.value) })),
      };
    }),
    footer: 'These links are personal to these requests: please do not forward them.',
  });
}

/** One person's due requests: one email (or none, when an earlier attempt sent it), then each request leaves the index. */
async function remindPerson(addressee: string, requests: readonly FeedbackRequest[], deps: FeedbackDeps, now: Date): Promise<{ reminded: number; skipped: number; sent: boolean }> {
  const live: { request: FeedbackRequest; lead: LeadProfile }[] = [];
  let skipped = 0;
  for (const request of requests) {
    const lead = await getLead(request.leadId);
    if (lead === undefined || lead.erasedAt !== undefined) {
      await clearReminder(request.hash, now);
      skipped += 1;
    } else live.push({ request, lead });
  }
  if (live.length === 0) return { reminded: 0, skipped, sent: false };
  live.sort((a, b) => a.request.deadlineMs - b.request.deadlineMs || a.request.hash.localeCompare(b.request.hash));
  const key = reminderKeyOf(live.map((d) => d.request.hash));
  for (const { request } of live) await markReminding(request.hash, key);
  const due: Due[] = [];
  let sent: boolean;
  try {
    for (const d of live) due.push({ ...d, aliasId: await createAlias(d.request, now) });
    sent = (await sendEmail({ to: addressee, ...reminderEmail(due, deps.publicBaseUrl, timeZoneOf(deps.teams, addressee), now), idempotencyKey: key })).sent;
  } catch (error) {
    await Promise.all(due.map((d) => deleteLink(hashLinkId(d.aliasId)).catch(() => undefined)));
    throw error;
  }
  if (!sent) await Promise.all(due.map((d) => deleteLink(hashLinkId(d.aliasId))));
  for (const { request } of live) await clearReminder(request.hash, now);
  return sent ? { reminded: live.length, skipped, sent } : { reminded: 0, skipped: skipped + live.length, sent };
}

/** The sweep at `now` (the scheduled event's time): due requests grouped by addressee, one email each. */
export async function remindPending(deps: FeedbackDeps, now: Date): Promise<SweepResult> {
  const result: SweepResult = { reminded: 0, emails: 0, skipped: 0, failed: 0 };
  const byAddressee = new Map<string, FeedbackRequest[]>();
  const sentBefore = new Map<string, boolean>();
  for (const request of await dueRequests(now)) {
    try {
      let done = request.status !== 'pending' || request.deadlineMs <= now.getTime();
      if (!done && request.reminderBatch !== undefined) {
        // Marked by an earlier sweep that stopped before clearing it: reminded if that email went out.
        if (!sentBefore.has(request.reminderBatch)) sentBefore.set(request.reminderBatch, await wasSent(request.reminderBatch));
        done = sentBefore.get(request.reminderBatch) === true;
      }
      if (done) {
        await clearReminder(request.hash, now);
        result.skipped += 1;
      } else byAddressee.set(request.addressee, [...(byAddressee.get(request.addressee) ?? []), request]);
    } catch (error) {
      result.failed += 1;
      logger.warn('reminder failed', { leadId: request.leadId, step: request.step, ...errorSummary(error) });
    }
  }
  for (const requests of byAddressee.values()) {
    try {
      const [first] = requests;
      if (first === undefined) continue;
      const r = await remindPerson(first.addressee, requests, deps, now);
      result.reminded += r.reminded;
      result.skipped += r.skipped;
      if (r.sent) result.emails += 1;
    } catch (error) {
      result.failed += requests.length;
      logger.warn('reminder email failed', { requests: requests.length, leadIds: requests.map((r) => r.leadId), ...errorSummary(error) });
    }
  }
  return result;
}
