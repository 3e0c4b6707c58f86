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
import { periodFunnelItems } from '#lib/funnel/activity';
import type { CountedStageChange } from '#lib/funnel/counters';
import { progressOf } from '#lib/funnel/goal';
import { type FunnelReport, buildFunnel, parseFunnelItems } from '#lib/funnel/report';

const H = 3_600_000;
/** A stage change as leads/profile.ts keeps it (its EVENT item's `counted`). */
const change = (leadId: string, from: CountedStageChange['from'], to: CountedStageChange['to'], at: string, hours: number, owners: CountedStageChange['owners'], more: Partial<CountedStageChange> = {}) => ({
  type: 'STAGE_EVENT',
  leadId,
  counted: { from, to, reason: more.reason ?? `awaiting-${to}`, at, timeInPreviousStageMs: hours * H, campaign: 'q4-webinar', owners, expansion: false, ...more } satisfies CountedStageChange,
});
const SDR1 = { 'inside-sales': 'sdr1@example.com' };
const SDR2 = { 'inside-sales': 'sdr2@example.com' };

/** The funnel of a period from its stage changes and overdue requests, by the code GET /funnel?from=&to= runs. */
const funnelOf = (activity: Record<string, unknown>[], period: { from: string; to: string }): FunnelReport =>
  buildFunnel(parseFunnelItems(periodFunnelItems(activity, [])), { now: new Date(period.to), period });

const PERIOD = { from: '2026-11-16T08:00:00.000Z', to: '2026-11-23T08:00:00.000Z' };
// The funnels are built when the sample is asked for, not when this file loads, so that mutation testing sees which tests reach the counters' code.
const thisWeek = (): FunnelReport =>
  funnelOf(
    [
      change('lead-ada', 'captured', 'qualifying', '2026-11-16T09:00:00.000Z', 0.1, SDR1),
      change('lead-ada', 'qualifying', 'meeting', '2026-11-16T11:30:00.000Z', 2.5, { ...SDR1, 'field-sales': 'ae1@example.com' }),
      change('lead-grace', 'captured', 'qualifying', '2026-11-17T09:00:00.000Z', 0.1, SDR1),
      change('lead-grace', 'qualifying', 'meeting', '2026-11-17T15:00:00.000Z', 6, { ...SDR1, 'field-sales': 'ae1@example.com' }),
      change('lead-linus', 'captured', 'qualifying', '2026-11-18T09:00:00.000Z', 0.1, SDR1),
      change('lead-linus', 'qualifying', 'nurture', '2026-11-19T09:00:00.000Z', 24, SDR1, { reason: 'bad-timing' }),
      change('lead-alan', 'captured', 'qualifying', '2026-11-16T10:00:00.000Z', 0.1, SDR2),
      change('lead-alan', 'qualifying', 'meeting', '2026-11-16T11:00:00.000Z', 1, { ...SDR2, 'field-sales': 'ae1@example.com' }),
      change('lead-alan', 'negotiating', 'onboarding', '2026-11-20T11:00:00.000Z', 72, { ...SDR2, 'field-sales': 'ae1@example.com' }, { reason: 'won', revenue: { amount: 48_000, currency: 'EUR' } }),
      change('lead-ken', 'captured', 'qualifying', '2026-11-21T10:00:00.000Z', 0.1, SDR2),
      { type: 'OVERDUE', overdue: { team: 'inside-sales', owner: 'sdr2@example.com' } },
    ],
    PERIOD,
  );
/** The week before: sdr1 booked a meeting for each lead. */
const weekBefore = (): FunnelReport =>
  funnelOf(
    [
      change('lead-barbara', 'captured', 'qualifying', '2026-11-10T09:00:00.000Z', 0.1, SDR1),
      change('lead-barbara', 'qualifying', 'meeting', '2026-11-10T12:00:00.000Z', 3, { ...SDR1, 'field-sales': 'ae1@example.com' }),
    ],
    { from: '2026-11-09T08:00:00.000Z', to: PERIOD.from },
  );
/** The shared goal: 250,000 EUR this quarter (the sample's quarter has only this week's won deal). */
const goalOf = (funnel: FunnelReport) => progressOf({ amount: 250_000, currency: 'EUR', period: 'quarter', source: 'api' }, funnel, new Date(PERIOD.to));

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

/** The sample's input to buildDigest. */
export function sampleDigestInput(): DigestInput {
  const funnel = thisWeek();
  return {
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
    funnel: { ...funnel, goal: goalOf(funnel) },
    previousFunnel: weekBefore(),
  };
}

/** The sample's plain-text version, as README.md shows it. */
export function sampleDigestText(): string {
  const email = buildDigest(sampleDigestInput());
  if (email === undefined) throw new Error('the sample digest has nothing new');
  return `Subject: ${email.subject}\n\n${email.text}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${sampleDigestText()}\n`);
