/**
 * The team digest, built from items (functions/lib/digest/content.ts) and its
 * periods (functions/lib/digest/sending.ts digestPeriods, schedule.ts): content, grouping,
 * trends, open items, replies, escaping, nothing new -> no email; and the
 * README sample is what the renderer makes of the fixed example.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeedbackStep, Team } from '#lib/core/contracts';
import {
  MAX_NOTES_PER_GROUP,
  MAX_OPEN_ITEMS,
  buildDigest,
  digestContent,
  type DigestFeedback,
  type DigestInput,
} from '#lib/digest/content';
import { digestKey, digestPeriods } from '#lib/digest/sending';
import { parseSchedule } from '#lib/digest/schedule';
import { REPO_ROOT } from '../../infra/paths';
import { sampleDigestText } from './support/digest-sample';
import { HOSTILE } from './support/lambda-fixtures';

const PERIOD = { start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' };
const PREVIOUS = { start: '2026-11-09T08:00:00.000Z', end: '2026-11-16T08:00:00.000Z' };
const IN = '2026-11-18T10:00:00.000Z';
const BEFORE = '2026-11-10T10:00:00.000Z';

let n = 0;
function item(over: Partial<DigestFeedback> & { step?: FeedbackStep; to?: Team; from?: Team } = {}): DigestFeedback {
  n += 1;
  const step = over.step ?? 'qualification-call';
  const from = over.from ?? 'inside-sales';
  const to = over.to ?? 'marketing';
  return {
    leadId: `lead-${n}`,
    step,
    from,
    to,
    pair: `${from}->${to}`,
    answer: 'book-meeting',
    ratings: {},
    details: {},
    comment: '',
    answeredAt: IN,
    answeredBy: 'owner',
    ...over,
  };
}

const input = (over: Partial<DigestInput>): DigestInput => ({ team: 'marketing', period: PERIOD, previousPeriod: PREVIOUS, timezone: 'UTC', received: [], given: [], ...over });

describe('digest content', () => {
  it('groups Marketing by campaign with per-question averages, counts and trends against the previous period', () => {
    const c = digestContent(
      input({
        received: [
          item({ campaign: 'webinar', ratings: { 'lead-fit': 4, 'campaign-reaction': 5 } }),
          item({ campaign: 'webinar', ratings: { 'lead-fit': 5, 'campaign-reaction': 2 } }),
          item({ campaign: 'ebook', ratings: { 'lead-fit': 2 } }),
          // onboarding review also reaches Marketing
          item({ campaign: 'webinar', step: 'onboarding-review', from: 'customer-success', answer: 'on-track', ratings: { 'message-match': 3 } }),
          item({ campaign: 'webinar', answeredAt: BEFORE, ratings: { 'lead-fit': 3, 'campaign-reaction': 4 } }),
          item({ campaign: 'ebook', answeredAt: BEFORE, ratings: { 'lead-fit': 2 } }),
          // outside both periods, and for another team: ignored
          item({ campaign: 'webinar', answeredAt: '2026-11-01T00:00:00.000Z', ratings: { 'lead-fit': 1 } }),
          item({ campaign: 'webinar', to: 'field-sales', ratings: { 'lead-fit': 1 } }),
        ],
      }),
    );
    expect(c?.groupedBy).toBe('campaign');
    expect(c?.received).toBe(4);
    expect(c?.groups.map((g) => [g.label, g.items])).toEqual([
      ['ebook', 1],
      ['webinar', 3],
    ]);
    const webinar = c?.groups.find((g) => g.label === 'webinar');
    expect(webinar?.ratings).toEqual([
      { question: 'lead-fit', label: 'Fit of the lead (ideal customer profile)', average: 4.5, count: 2, previous: 3, trend: 'up' },
      { question: 'campaign-reaction', label: 'Reaction to the campaign', average: 3.5, count: 2, previous: 4, trend: 'down' },
      { question: 'message-match', label: 'Did the marketing message match the product?', average: 3, count: 1, trend: 'new' },
    ]);
    expect(c?.groups.find((g) => g.label === 'ebook')?.ratings[0]).toMatchObject({ average: 2, count: 1, previous: 2, trend: 'same' });
    // All campaigns together: lead-fit (4 + 5 + 2) / 3 = 3.7 against (3 + 2) / 2 = 2.5.
    expect(c?.overall[0]).toMatchObject({ question: 'lead-fit', average: 3.7, count: 3, previous: 2.5, trend: 'up' });
    expect(webinar?.answers).toEqual([
      { label: 'Book a meeting with Field Sales', count: 2 },
      { label: 'On track', count: 1 },
    ]);
  });

  it('groups Inside Sales, Field Sales and Customer Success by their owner of the lead', () => {
    for (const team of ['inside-sales', 'field-sales', 'customer-success'] as const) {
      const c = digestContent(
        input({
          team,
          received: [
            item({ to: team, from: 'field-sales', step: 'meeting-outcome', campaign: 'same', toOwner: 'sdr2@example.com' }),
            item({ to: team, from: 'field-sales', step: 'meeting-outcome', campaign: 'same', toOwner: 'sdr1@example.com' }),
            item({ to: team, from: 'field-sales', step: 'meeting-outcome', campaign: 'same', toOwner: 'sdr1@example.com' }),
            item({ to: team, from: 'field-sales', step: 'meeting-outcome', campaign: 'same' }),
          ],
        }),
      );
      expect(c?.groupedBy, team).toBe('owner');
      expect(c?.groups.map((g) => [g.label, g.items]), team).toEqual([
        ['(no owner)', 1],
        ['sdr1@example.com', 2],
        ['sdr2@example.com', 1],
      ]);
    }
  });

  it('quotes comments and what was missing, promises not kept, difficulties, oldest first, capped per group', () => {
    const c = digestContent(
      input({
        team: 'field-sales',
        received: [
          item({ to: 'field-sales', from: 'customer-success', step: 'onboarding-review', toOwner: 'ae1', answeredAt: '2026-11-19T00:00:00.000Z', details: { unkeptPromises: 'SSO by day one' }, comment: 'Otherwise smooth' }),
          item({ to: 'field-sales', from: 'customer-success', step: 'onboarding-review', toOwner: 'ae1', answeredAt: '2026-11-17T00:00:00.000Z', comment: 'Expectations were right' }),
          item({ to: 'field-sales', from: 'customer-success', step: 'onboarding-review', toOwner: 'ae1', answeredAt: '2026-11-18T00:00:00.000Z', comment: '   ' }),
        ],
      }),
    );
    expect(c?.groups[0]?.notes.map((x) => [x.heading, x.text])).toEqual([
      ['Comment', 'Expectations were right'],
      ['Promises not kept', 'SSO by day one'],
      ['Comment', 'Otherwise smooth'],
    ]);

    const many = Array.from({ length: MAX_NOTES_PER_GROUP + 3 }, (_, i) => item({ campaign: 'x', comment: `comment ${i}`, answeredAt: `2026-11-17T0${i}:00:00.000Z` }));
    const capped = digestContent(input({ received: many }));
    expect(capped?.groups[0]?.notes).toHaveLength(MAX_NOTES_PER_GROUP);
    expect(capped?.groups[0]?.notes[0]?.text).toBe('comment 0');
    expect(capped?.groups[0]?.moreNotes).toBe(3);
    expect(buildDigest(input({ received: many }))?.text).toContain('and 3 more comments');
  });

  it('lists feedback with a comment and without a reply from the last periods, oldest first, each with its reply link, capped with "and N more"', () => {
    const unanswered = Array.from({ length: MAX_OPEN_ITEMS + 2 }, (_, i) =>
      item({ campaign: 'c', comment: `Comment ${i}`, answeredAt: new Date(Date.parse('2026-10-27T00:00:00.000Z') + i * 86_400_000).toISOString() }),
    );
    const answered = item({ campaign: 'c', reply: { status: 'acknowledged', note: 'ok', repliedAt: IN } });
    const tooOld = item({ campaign: 'c', answeredAt: '2026-10-20T00:00:00.000Z' });
    const c = digestContent(
      input({
        received: [...unanswered.reverse(), answered, tooOld],
        openSince: '2026-10-26T08:00:00.000Z',
        replyUrl: (i) => `https://pipeline.example.com/reply/${i.leadId}`,
      }),
    );
    expect(c?.open).toHaveLength(MAX_OPEN_ITEMS);
    expect(c?.moreOpen).toBe(2);
    expect(c?.open.map((o) => o.at)).toEqual([...c!.open.map((o) => o.at)].sort());
    expect(c?.open[0]?.at).toBe('2026-10-27T00:00:00.000Z');
    expect(c?.open.some((o) => o.lead === `lead ${answered.leadId}` || o.lead === `lead ${tooOld.leadId}`)).toBe(false);
    expect(c?.open[0]?.replyUrl).toMatch(/^https:\/\/pipeline\.example\.com\/reply\/lead-\d+$/);

    const email = buildDigest(input({ received: [...unanswered, answered], openSince: '2026-10-26T08:00:00.000Z', replyUrl: (i) => `https://pipeline.example.com/reply/${i.leadId}` }));
    expect(email?.text).toContain('Open items: 12 with a comment received since 26 Oct without a reply');
    expect(email?.text).toContain('And 2 more waiting for a reply');
    expect(email?.html).toContain(`href="https://pipeline.example.com/reply/${unanswered[unanswered.length - 1]?.leadId ?? ''}?status=acting-on-it"`);
    expect(email?.text.match(/Reply: Acknowledged: https:\/\/pipeline\.example\.com\/reply\/lead-\d+\?status=acknowledged/g)).toHaveLength(MAX_OPEN_ITEMS);
    expect(email?.text.match(/Reply: Acting on it: https:\/\/pipeline\.example\.com\/reply\/lead-\d+\?status=acting-on-it/g)).toHaveLength(MAX_OPEN_ITEMS);
  });

  it("shows this period's replies to feedback the team gave; a reply alone is news", () => {
    const given = [
      item({ from: 'inside-sales', to: 'marketing', leadId: 'lead-r1', reply: { status: 'acting-on-it', note: 'Fixing the form', repliedAt: IN }, answeredAt: BEFORE }),
      item({ from: 'inside-sales', to: 'marketing', leadId: 'lead-r2', reply: { status: 'acknowledged', note: '', repliedAt: BEFORE }, answeredAt: BEFORE }),
      item({ from: 'field-sales', to: 'inside-sales', leadId: 'lead-r3', reply: { status: 'acknowledged', note: 'Not ours', repliedAt: IN } }),
    ];
    const c = digestContent(input({ team: 'inside-sales', given, leadLabel: (id) => (id === 'lead-r1' ? 'Ada (Engines)' : undefined) }));
    expect(c?.received).toBe(0);
    expect(c?.replies).toEqual([{ repliedAt: IN, to: 'marketing', step: 'qualification-call', status: 'acting-on-it', note: 'Fixing the form', lead: 'Ada (Engines)' }]);
    const email = buildDigest(input({ team: 'inside-sales', given, leadLabel: (id) => (id === 'lead-r1' ? 'Ada (Engines)' : undefined) }));
    expect(email?.text).toContain('Marketing: Acting on it (qualification call, Ada (Engines), 18 Nov): Fixing the form');
    expect(email?.text).toContain('No new feedback for you this period.');
  });

  it('sends nothing to a team with nothing new, even with open items from earlier periods', () => {
    const old = item({ campaign: 'c', answeredAt: BEFORE });
    const repliedEarlier = item({ from: 'marketing', to: 'inside-sales', reply: { status: 'acknowledged', note: '', repliedAt: BEFORE } });
    expect(digestContent(input({ received: [old], given: [repliedEarlier] }))).toBeUndefined();
    expect(buildDigest(input({ team: 'customer-success' }))).toBeUndefined();
  });
});

describe('digest email', () => {
  it('escapes hostile comments, campaign names, owners and notes in HTML; no CR/LF reaches the subject', () => {
    const hostile = [
      item({ campaign: HOSTILE.quotes, comment: HOSTILE.script, details: { moreOf: HOSTILE.crlf }, toOwner: HOSTILE.script }),
      item({ campaign: `${HOSTILE.crlf}<b>`, comment: 'fine', reply: undefined }),
    ];
    const email = buildDigest(input({ received: hostile, leadLabel: () => HOSTILE.quotes, replyUrl: () => 'javascript:alert(1)' }));
    expect(email).toBeDefined();
    const html = email?.html ?? '';
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(email?.subject).not.toMatch(/[\r\n]/);
    // The text version keeps each value on its own line: no injected "Bcc:" line.
    expect(email?.text.split('\n').some((l) => l.startsWith('Bcc:'))).toBe(false);
  });

  it('states the period in the digest time zone, and each rating with its count and trend', () => {
    const email = buildDigest(
      input({
        timezone: 'Europe/Paris',
        received: [item({ campaign: 'c', ratings: { 'lead-fit': 4 } }), item({ campaign: 'c', ratings: { 'lead-fit': 3 } }), item({ campaign: 'c', answeredAt: BEFORE, ratings: { 'lead-fit': 4 } })],
      }),
    );
    expect(email?.text).toContain('From 16 Nov 2026, 09:00 to 23 Nov 2026, 09:00 (Europe/Paris).');
    expect(email?.text).toContain('Fit of the lead (ideal customer profile): 3.5 / 5 from 2 ratings; ▼ falling from 4.0');
    // None of them has a comment: counted, not listed (the previous period's item has no reply either: 3).
    expect(email?.subject).toBe('Marketing digest: 2 new feedback, 0 waiting for a reply (16 Nov to 23 Nov)');
    expect(email?.text).toContain('Without comments: 3 more answers without comments');
  });

  it('docs/emails.md shows the sample digest exactly as the renderer makes it', () => {
    const readme = readFileSync(join(REPO_ROOT, 'docs', 'emails.md'), 'utf8');
    const block = /<!-- digest-sample:start -->\n```text\n([\s\S]*?)\n```\n<!-- digest-sample:end -->/.exec(readme);
    expect(block?.[1], 'docs/emails.md has the digest-sample block').toBeDefined();
    expect(block?.[1]).toBe(sampleDigestText());
  });
});

describe('digest periods', () => {
  const weekly = parseSchedule('cron(0 8 ? * MON *)', 'UTC');

  it('a scheduled run covers the week ending at its fire time, even when delivered late or retried', () => {
    for (const scheduledTime of ['2026-11-23T08:00:00Z', '2026-11-23T08:00:00.000Z']) {
      const p = digestPeriods(weekly, { scheduledTime }, new Date('2026-11-23T11:37:00Z'));
      expect(p.period).toEqual(PERIOD);
      expect(p.previousPeriod).toEqual(PREVIOUS);
      expect(p.openSince).toBe('2026-10-26T08:00:00.000Z');
      expect(digestKey('marketing', p.period)).toBe('digest#marketing#2026-11-16T08:00:00.000Z#2026-11-23T08:00:00.000Z');
    }
  });

  it('an unscheduled run covers the last completed period; an explicit period is taken as given', () => {
    expect(digestPeriods(weekly, {}, new Date('2026-11-25T12:00:00Z')).period).toEqual(PERIOD);
    const p = digestPeriods(weekly, { period: { start: '2026-11-20T10:00:00Z', end: '2026-11-20T10:05:00Z' } });
    expect(p.period).toEqual({ start: '2026-11-20T10:00:00.000Z', end: '2026-11-20T10:05:00.000Z' });
    expect(p.previousPeriod).toEqual({ start: '2026-11-20T09:55:00.000Z', end: '2026-11-20T10:00:00.000Z' });
  });

  it('follows the schedule in its time zone, across a DST change', () => {
    const paris = parseSchedule('cron(0 8 ? * MON *)', 'Europe/Paris');
    const p = digestPeriods(paris, { scheduledTime: '2026-10-26T07:00:00Z' });
    // Monday 08:00 in Paris: 06:00 UTC in summer time, 07:00 UTC after 25 October.
    expect(p.period).toEqual({ start: '2026-10-19T06:00:00.000Z', end: '2026-10-26T07:00:00.000Z' });
  });
});

describe('schedule expressions', () => {
  it('parses rate and cron, and says what is wrong otherwise', () => {
    expect(parseSchedule('rate(7 days)').previous(new Date('2026-11-23T08:00:30Z')).toISOString()).toBe('2026-11-16T08:00:00.000Z');
    expect(parseSchedule('cron(0 9 1 * ? *)').next(new Date('2026-11-23T08:00:00Z')).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(parseSchedule('cron(30 17 L * ? *)').previous(new Date('2026-03-01T00:00:00Z')).toISOString()).toBe('2026-02-28T17:30:00.000Z');
    expect(parseSchedule('cron(0 8 ? * MON-FRI *)').next(new Date('2026-11-20T09:00:00Z')).toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(() => parseSchedule('cron(0 8 * * MON *)')).toThrow(/exactly one of day-of-month and day-of-week must be \?/);
    expect(() => parseSchedule('cron(0 8 ? * 2#1 *)')).toThrow(/not supported/);
    expect(() => parseSchedule('cron(0 24 ? * MON *)')).toThrow(/hours "24" is not in 0-23/);
    expect(() => parseSchedule('rate(1 days)')).toThrow(/rate\(1 day\)/);
    expect(() => parseSchedule('at(2026-12-01T08:00:00)')).toThrow(/recurring/);
    expect(() => parseSchedule('weekly')).toThrow(/rate\(/);
    expect(() => parseSchedule('rate(1 day)', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
