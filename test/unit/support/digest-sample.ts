/**
 * The fixed example behind the sample digest in README.md ("What each team
 * gets, and when"): Inside Sales' weekly digest. test/unit/digest.test.ts
 * checks that the README shows exactly what the renderer makes of it.
 *
 * Print it: npx tsx test/unit/support/digest-sample.ts
 */
import { pathToFileURL } from 'node:url';
import type { FeedbackAnswer } from '#lib/core/contracts';
import { buildDigest, type DigestFeedback, type DigestInput } from '#lib/digest/content';

const meeting = (leadId: string, answeredAt: string, toOwner: string, ratings: Record<string, number>, extra: { answer?: string; comment?: string; details?: FeedbackAnswer['details'] } = {}): DigestFeedback => ({
  leadId,
  step: 'meeting-outcome',
  from: 'field-sales',
  to: 'inside-sales',
  pair: 'field-sales->inside-sales',
  campaign: 'q4-webinar',
  owner: 'ae1@example.com',
  toOwner,
  answer: extra.answer ?? 'held-proceed',
  ratings,
  details: extra.details ?? {},
  comment: extra.comment ?? '',
  answeredAt,
  answeredBy: 'owner',
});

const LEADS: Record<string, string> = {
  'lead-ada': 'Ada Lovelace (Analytical Engines)',
  'lead-grace': 'Grace Hopper (Cobol Systems)',
  'lead-alan': 'Alan Turing (Bletchley Labs)',
  'lead-edsger': 'Edsger Dijkstra (Shortest Path BV)',
  'lead-barbara': 'Barbara Liskov (Substitution Inc)',
};

export const SAMPLE_DIGEST_INPUT: DigestInput = {
  team: 'inside-sales',
  period: { start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' },
  previousPeriod: { start: '2026-11-09T08:00:00.000Z', end: '2026-11-16T08:00:00.000Z' },
  openSince: '2026-10-26T08:00:00.000Z',
  timezone: 'UTC',
  received: [
    // The week before: the trends compare with these.
    meeting('lead-barbara', '2026-11-10T15:00:00.000Z', 'sdr1@example.com', { 'budget-accuracy': 3, 'authority-accuracy': 4, 'need-accuracy': 4, 'timeline-accuracy': 3 }),
    // This week.
    meeting('lead-ada', '2026-11-17T10:30:00.000Z', 'sdr1@example.com', { 'budget-accuracy': 4, 'authority-accuracy': 5, 'need-accuracy': 4, 'timeline-accuracy': 3 }, { comment: 'Great call notes, the customer felt understood.' }),
    meeting('lead-grace', '2026-11-18T14:00:00.000Z', 'sdr1@example.com', { 'budget-accuracy': 2, 'authority-accuracy': 3, 'need-accuracy': 4, 'timeline-accuracy': 2 }, {
      answer: 'no-fit',
      details: { reasonCode: 'no-authority', missing: 'The CFO signs, not our contact; procurement needs a security review first.' },
    }),
    meeting('lead-alan', '2026-11-19T09:15:00.000Z', 'sdr2@example.com', { 'budget-accuracy': 5, 'authority-accuracy': 5, 'need-accuracy': 5, 'timeline-accuracy': 4 }),
  ],
  given: [
    {
      leadId: 'lead-edsger',
      step: 'qualification-call',
      from: 'inside-sales',
      to: 'marketing',
      pair: 'inside-sales->marketing',
      campaign: 'spring-ebook',
      owner: 'sdr2@example.com',
      answer: 'disqualify',
      ratings: { 'lead-fit': 1 },
      details: { reasonCode: 'no-need' },
      comment: 'A student writing a thesis, not a buyer.',
      answeredAt: '2026-11-12T11:00:00.000Z',
      answeredBy: 'owner',
      reply: { status: 'acting-on-it', note: 'We now ask for the company size before the ebook download.', repliedAt: '2026-11-20T16:45:00.000Z' },
    },
  ],
  leadLabel: (id) => LEADS[id],
  replyUrl: (item) => `https://pipeline.example.com/feedback/reply-${item.leadId}`,
};

/** The sample's plain-text version, as README.md shows it. */
export function sampleDigestText(): string {
  const email = buildDigest(SAMPLE_DIGEST_INPUT);
  if (email === undefined) throw new Error('the sample digest has nothing new');
  return `Subject: ${email.subject}\n\n${email.text}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${sampleDigestText()}\n`);
