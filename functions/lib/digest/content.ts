/**
 * The periodic digest one team gets (pure: items in, content and email out).
 *
 * For the period [start, end): at the top the shared revenue goal and its
 * progress (the same for every team); then per campaign (Marketing) or per
 * the team's owner of the lead (the others) the funnel figures of the period
 * (./figures.ts, from the same report as `GET /funnel?from=&to=`) beside
 * what the teams downstream told the team: per rating question the average
 * and count with the trend against the previous period (low and falling
 * ones marked in words), the comments and details worth reading; the
 * feedback still waiting for the team's reply that says something (oldest
 * first, capped; answers without a comment only counted); and the replies
 * this period to feedback the team gave. Nothing new (no feedback, no reply,
 * no funnel figure of the team's): no digest.
 */
import type { FeedbackStep, Team } from '#lib/core/contracts';
import { type EmailButton, type EmailSection, type RenderedEmail, type SummaryRow, renderEmail } from '#lib/mail/layout';
import { FEEDBACK_STEP_DEFINITIONS, type FeedbackCatalogue, TEAM_NAMES, answerLabel, digestNoteFields, reasonLabel, stepDefinition } from '#lib/feedback/steps';
import { stripCrLf } from '#lib/core/html';
import { type FeedbackItem, type FeedbackReply, REPLY_STATUSES, REPLY_STATUS_LABELS } from '#lib/feedback/records';
import type { FunnelReport } from '#lib/funnel/report';
import type { FunnelWithGoal, GoalProgress } from '#lib/funnel/goal';
import {
  type CampaignLine,
  LOW_RATING,
  MAX_GROUPS,
  NO_CAMPAIGN_LABEL,
  type OwnerLine,
  campaignActive,
  campaignLines,
  campaignRows,
  goalHeadline,
  goalRows,
  ownerActive,
  ownerLines,
  ownerRows,
} from './figures';

/** A stored FEEDBACK item as the digest reads it (with `toOwner` and `reply` when set). */
export type DigestFeedback = FeedbackItem;

/** [start, end) as ISO times. */
export interface Period {
  start: string;
  end: string;
}

/** Open items shown at most (the rest is counted in an "and N more" line). */
export const MAX_OPEN_ITEMS = 10;
/** Comments and details shown at most per group. */
export const MAX_NOTES_PER_GROUP = 5;
/** Open items are looked for this many periods back (the current one included). */
export const OPEN_ITEM_PERIODS = 4;

const RATING_LABELS: ReadonlyMap<string, string> = new Map(
  Object.values(FEEDBACK_STEP_DEFINITIONS).flatMap((def) => def.ratings.map((q) => [q.id, q.label] as const)),
);
const RATING_ORDER: readonly string[] = [...RATING_LABELS.keys()];

type Trend = 'up' | 'down' | 'same' | 'new';

interface RatingLine {
  question: string;
  label: string;
  /** Mean of this period's ratings, to one decimal. */
  average: number;
  count: number;
  /** Mean of the previous period's, to one decimal; undefined when there was none. */
  previous?: number;
  trend: Trend;
}

interface DigestNote {
  at: string;
  from: Team;
  step: FeedbackStep;
  heading: string;
  text: string;
  lead: string;
}

interface DigestGroup {
  /** The campaign or the owner. */
  label: string;
  /** The period's funnel figures of the campaign (Marketing) or the owner (the others), when it has any. */
  campaign?: CampaignLine;
  owner?: OwnerLine;
  items: number;
  answers: { label: string; count: number }[];
  ratings: RatingLine[];
  notes: DigestNote[];
  moreNotes: number;
}

interface OpenItem {
  at: string;
  from: Team;
  step: FeedbackStep;
  lead: string;
  group: string;
  /** What it says: the comment and the text details the digest quotes. */
  says: { heading: string; text: string }[];
  replyUrl?: string;
}

interface ReplyLine {
  repliedAt: string;
  to: Team;
  step: FeedbackStep;
  status: FeedbackReply['status'];
  note: string;
  lead: string;
}

interface DigestContent {
  team: Team;
  period: Period;
  previousPeriod: Period;
  timezone: string;
  groupedBy: 'campaign' | 'owner';
  received: number;
  overall: RatingLine[];
  groups: DigestGroup[];
  /** Open items are those received since this time. */
  openSince: string;
  /** Unanswered feedback that says something (a comment or a text detail), oldest first, capped. */
  open: OpenItem[];
  moreOpen: number;
  /** Unanswered feedback without a comment or text detail: counted, not listed. */
  withoutComments: number;
  replies: ReplyLine[];
  /** The shared revenue goal's progress, null without a goal. */
  goal: GoalProgress | null;
  /** Campaigns or owners left out past MAX_GROUPS (the least active). */
  moreGroups: number;
}

export interface DigestInput {
  team: Team;
  period: Period;
  previousPeriod: Period;
  /** IANA time zone of the dates shown. */
  timezone: string;
  /** Feedback the team received from [open items window start, period end) (more is ignored). */
  received: readonly DigestFeedback[];
  /** Feedback the team gave (replies are read from these). */
  given: readonly DigestFeedback[];
  /** Start of the window open items are taken from. @default OPEN_ITEM_PERIODS periods before the end */
  openSince?: string;
  /** How a lead is named (e.g. "Ada Lovelace (Analytical Engines)"). @default `lead <id>` */
  leadLabel?: (leadId: string) => string | undefined;
  /** The reply link of a received item (asked for the items shown only). @default none */
  replyUrl?: (item: DigestFeedback) => string | undefined;
  /** The funnel of `period` with the goal's progress (funnel/goal.ts funnelWithGoal): what GET /funnel?from=&to= answers. @default no figures */
  funnel?: FunnelWithGoal;
  /** The funnel of `previousPeriod` (falling conversions). */
  previousFunnel?: FunnelReport;
}

const within = (at: string, p: Period): boolean => at >= p.start && at < p.end;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Marketing hears about campaigns; the others about their people. */
function groupedBy(team: Team): 'campaign' | 'owner' {
  return team === 'marketing' ? 'campaign' : 'owner';
}

function groupOf(team: Team, item: DigestFeedback): string {
  return groupedBy(team) === 'campaign' ? (item.campaign ?? NO_CAMPAIGN_LABEL) : (item.toOwner ?? '(no owner)');
}

/** Does the feedback say something beyond its answer and ratings (a comment, a text detail the digest quotes)? */
function saysSomething(item: DigestFeedback, noteFields: readonly { field: string }[]): boolean {
  if (item.comment.trim() !== '') return true;
  return noteFields.some(({ field }) => {
    const text = item.details[field];
    return typeof text === 'string' && text.trim() !== '';
  });
}

function averages(items: readonly DigestFeedback[]): Map<string, { sum: number; count: number }> {
  const out = new Map<string, { sum: number; count: number }>();
  for (const item of items) {
    for (const [question, value] of Object.entries(item.ratings)) {
      const acc = out.get(question) ?? { sum: 0, count: 0 };
      acc.sum += value;
      acc.count += 1;
      out.set(question, acc);
    }
  }
  return out;
}

/** Per question: this period's average and count, and the trend against the previous period's average. */
function ratingLines(current: readonly DigestFeedback[], previous: readonly DigestFeedback[]): RatingLine[] {
  const now = averages(current);
  const before = averages(previous);
  const order = (q: string): number => {
    const i = RATING_ORDER.indexOf(q);
    return i < 0 ? RATING_ORDER.length : i;
  };
  return [...now.entries()]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([question, { sum, count }]) => {
      const average = round1(sum / count);
      const prev = before.get(question);
      const previousAverage = prev === undefined ? undefined : round1(prev.sum / prev.count);
      const trend: Trend = previousAverage === undefined ? 'new' : average > previousAverage ? 'up' : average < previousAverage ? 'down' : 'same';
      return { question, label: RATING_LABELS.get(question) ?? question, average, count, ...(previousAverage === undefined ? {} : { previous: previousAverage }), trend };
    });
}

const byTime = (a: { at: string }, b: { at: string }): number => a.at.localeCompare(b.at);

/**
 * The digest's content, or undefined when nothing is new for the team. The
 * notes quote the comment and the text details the catalogue gives a
 * `digest` heading.
 */
export function digestContent(input: DigestInput, catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): DigestContent | undefined {
  const { team, period, previousPeriod } = input;
  const label = (leadId: string): string => input.leadLabel?.(leadId) ?? `lead ${leadId}`;
  const received = input.received.filter((i) => i.to === team);
  const current = received.filter((i) => within(i.answeredAt, period));
  const previous = received.filter((i) => within(i.answeredAt, previousPeriod));
  const replies: ReplyLine[] = input.given
    .filter((i) => i.from === team && i.reply !== undefined && within(i.reply.repliedAt, period))
    .map((i) => ({ repliedAt: i.reply?.repliedAt ?? '', to: i.to, step: i.step, status: i.reply?.status ?? 'acknowledged', note: i.reply?.note ?? '', lead: label(i.leadId) }))
    .sort((a, b) => a.repliedAt.localeCompare(b.repliedAt));
  const campaigns = new Map((team === 'marketing' ? campaignLines(input.funnel) : []).filter(campaignActive).map((c) => [c.campaign, c]));
  const owners = new Map((team === 'marketing' ? [] : ownerLines(team, input.funnel, input.previousFunnel)).filter(ownerActive).map((o) => [o.owner, o]));
  if (current.length === 0 && replies.length === 0 && campaigns.size === 0 && owners.size === 0) return undefined;

  const noteFields = digestNoteFields(catalogue);
  const activity = (g: string): number =>
    current.filter((i) => groupOf(team, i) === g).length + (campaigns.get(g)?.figures.leads ?? 0) + (owners.get(g)?.toConvert ?? 0) + (owners.get(g)?.answered ?? 0);
  const allLabels = [...new Set([...current.map((i) => groupOf(team, i)), ...campaigns.keys(), ...owners.keys()])];
  // The most active MAX_GROUPS, shown by name.
  const shown = [...allLabels].sort((a, b) => activity(b) - activity(a) || a.localeCompare(b)).slice(0, MAX_GROUPS);
  const groupLabels = shown.sort((a, b) => a.localeCompare(b));
  const groups: DigestGroup[] = groupLabels.map((g) => {
    const mine = current.filter((i) => groupOf(team, i) === g);
    const answers = new Map<string, number>();
    for (const i of mine) {
      const reason = i.details.reasonCode;
      const a = `${answerLabel(i.step, i.answer)}${reason === undefined ? '' : ` (${reasonLabel(i.step, reason)})`}`;
      answers.set(a, (answers.get(a) ?? 0) + 1);
    }
    const notes: DigestNote[] = mine
      .flatMap((i) => {
        const base = { at: i.answeredAt, from: i.from, step: i.step, lead: label(i.leadId) };
        return [
          ...noteFields.flatMap(({ field, heading }) => {
            const text = i.details[field];
            return typeof text !== 'string' || text.trim() === '' ? [] : [{ ...base, heading, text }];
          }),
          ...(i.comment.trim() === '' ? [] : [{ ...base, heading: 'Comment', text: i.comment }]),
        ];
      })
      .sort(byTime);
    const campaign = campaigns.get(g);
    const owner = owners.get(g);
    return {
      label: g,
      ...(campaign === undefined ? {} : { campaign }),
      ...(owner === undefined ? {} : { owner }),
      items: mine.length,
      answers: [...answers.entries()].map(([a, count]) => ({ label: a, count })),
      ratings: ratingLines(
        mine,
        previous.filter((i) => groupOf(team, i) === g),
      ),
      notes: notes.slice(0, MAX_NOTES_PER_GROUP),
      moreNotes: Math.max(0, notes.length - MAX_NOTES_PER_GROUP),
    };
  });

  const periodMs = Date.parse(period.end) - Date.parse(period.start);
  const openSince = input.openSince ?? new Date(Date.parse(period.end) - OPEN_ITEM_PERIODS * periodMs).toISOString();
  const waiting = received.filter((i) => i.reply === undefined && within(i.answeredAt, { start: openSince, end: period.end }));
  // Only feedback that says something waits for a reply in the digest; the rest is counted.
  const unanswered = waiting.filter((i) => saysSomething(i, noteFields)).sort((a, b) => a.answeredAt.localeCompare(b.answeredAt));
  // Links and names only for the items shown.
  const open: OpenItem[] = unanswered.slice(0, MAX_OPEN_ITEMS).map((i) => {
    const url = input.replyUrl?.(i);
    const says = [
      ...(i.comment.trim() === '' ? [] : [{ heading: 'Comment', text: i.comment }]),
      ...noteFields.flatMap(({ field, heading }) => {
        const text = i.details[field];
        return typeof text === 'string' && text.trim() !== '' ? [{ heading, text }] : [];
      }),
    ];
    return { at: i.answeredAt, from: i.from, step: i.step, lead: label(i.leadId), group: groupOf(team, i), says, ...(url === undefined ? {} : { replyUrl: url }) };
  });

  return {
    team,
    period,
    previousPeriod,
    timezone: input.timezone,
    groupedBy: groupedBy(team),
    received: current.length,
    overall: ratingLines(current, previous),
    groups,
    openSince,
    open,
    moreOpen: unanswered.length - open.length,
    withoutComments: waiting.length - unanswered.length,
    replies,
    goal: input.funnel?.goal ?? null,
    moreGroups: allLabels.length - groups.length,
  };
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------

/** `2 Nov 2026, 08:00` in the zone (en-GB, 24 h). */
function formatTime(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

function formatDay(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, day: 'numeric', month: 'short' }).format(new Date(iso));
}

/** Low (below LOW_RATING) or falling: the row is marked, in words first. */
const needsLook = (r: RatingLine): boolean => r.average < LOW_RATING || r.trend === 'down';

function ratingText(r: RatingLine): string {
  const low = r.average < LOW_RATING ? '⚠ Low: ' : '';
  const head = `${low}${r.average.toFixed(1)} / 5 from ${r.count} rating${r.count === 1 ? '' : 's'}`;
  switch (r.trend) {
    case 'new':
      return `${head}; none the period before`;
    case 'same':
      return `${head}; same as before (${r.previous?.toFixed(1) ?? ''})`;
    case 'down':
      return `${head}; ▼ falling from ${r.previous?.toFixed(1) ?? ''}`;
    default:
      return `${head}; ▲ up from ${r.previous?.toFixed(1) ?? ''}`;
  }
}

const ratingRows = (lines: readonly RatingLine[]): SummaryRow[] => lines.map((r) => ({ label: r.label, value: ratingText(r), ...(needsLook(r) ? { alert: true } : {}) }));

/** Campaigns, owners and lead names go into titles and labels, which the layout escapes but keeps on one line only if we do. */
const oneLine = (value: string): string => stripCrLf(value);

function noteRow(n: DigestNote, timezone: string): SummaryRow {
  return { label: `${n.heading} (${TEAM_NAMES[n.from]}, ${stepDefinition(n.step).title.toLowerCase()}, ${oneLine(n.lead)}, ${formatDay(n.at, timezone)})`, value: n.text };
}

/** As in the instant feedback email: one button per reply status, preselecting it on the reply page. */
const replyButtons = (url: string): EmailButton[] => REPLY_STATUSES.map((status) => ({ label: `Reply: ${REPLY_STATUS_LABELS[status]}`, url: `${url}?status=${status}` }));

/** The digest email (HTML + text). Every value is escaped by the layout. */
export function renderDigest(c: DigestContent): RenderedEmail {
  const tz = c.timezone;
  const team = TEAM_NAMES[c.team];
  const span = `${formatTime(c.period.start, tz)} to ${formatTime(c.period.end, tz)} (${tz})`;
  const by = c.groupedBy === 'campaign' ? 'campaign' : 'owner';
  const sections: EmailSection[] = [];
  if (c.goal !== null) sections.push({ title: 'Our shared goal', rows: goalRows(c.goal), stacked: true });
  if (c.overall.length > 0) sections.push({ title: `Ratings, all ${by}s (trend against the period before)`, rows: ratingRows(c.overall), stacked: true });
  for (const g of c.groups) {
    sections.push({
      title: `${c.groupedBy === 'campaign' ? 'Campaign' : 'Owner'}: ${oneLine(g.label)}`,
      rows: [
        ...(g.campaign === undefined ? [] : campaignRows(g.campaign)),
        ...(g.owner === undefined ? [] : ownerRows(g.owner)),
        { label: 'Feedback items', value: g.items === 0 ? 'none this period' : `${g.items} (${g.answers.map((a) => `${a.label} ×${a.count}`).join(', ')})` },
        ...ratingRows(g.ratings),
        ...g.notes.map((n) => noteRow(n, tz)),
        ...(g.moreNotes > 0 ? [{ label: 'More', value: `and ${g.moreNotes} more comment${g.moreNotes === 1 ? '' : 's'}` }] : []),
      ],
      stacked: true,
    });
  }
  if (c.moreGroups > 0) sections.push({ title: `And ${c.moreGroups} more ${by}s`, rows: [{ label: 'Where', value: 'every figure is in GET /funnel for the same period' }], stacked: true });
  const openTotal = c.open.length + c.moreOpen;
  if (openTotal > 0 || c.withoutComments > 0) {
    sections.push({
      title: 'Waiting for your reply (oldest first)',
      rows: [
        ...(openTotal > 0 ? [{ label: 'Open items', value: `${openTotal} with a comment received since ${formatDay(c.openSince, tz)} without a reply` }] : []),
        ...(c.withoutComments > 0 ? [{ label: 'Without comments', value: `${c.withoutComments} more answer${c.withoutComments === 1 ? '' : 's'} without comments (their ratings are counted above)` }] : []),
      ],
      stacked: true,
    });
    for (const o of c.open) {
      sections.push({
        title: `${formatDay(o.at, tz)}: ${stepDefinition(o.step).title} by ${TEAM_NAMES[o.from]}, ${oneLine(o.lead)}`,
        rows: [{ label: c.groupedBy === 'campaign' ? 'Campaign' : 'Owner', value: o.group }, ...o.says.map((x) => ({ label: x.heading, value: x.text }))],
        ...(o.replyUrl === undefined ? {} : { buttons: replyButtons(o.replyUrl) }),
        stacked: true,
      });
    }
    if (c.moreOpen > 0) sections.push({ title: `And ${c.moreOpen} more waiting for a reply`, rows: [{ label: 'Older', value: 'see the earlier digests and feedback emails' }], stacked: true });
  }
  if (c.replies.length > 0) {
    sections.push({
      title: 'Replies to your feedback',
      rows: c.replies.map((r) => ({
        label: `${TEAM_NAMES[r.to]}: ${REPLY_STATUS_LABELS[r.status]} (${stepDefinition(r.step).title.toLowerCase()}, ${oneLine(r.lead)}, ${formatDay(r.repliedAt, tz)})`,
        value: r.note === '' ? '(no note)' : r.note,
      })),
      stacked: true,
    });
  }
  const summary = [
    ...(c.goal === null ? [] : [`Our shared goal: ${goalHeadline(c.goal)}.`]),
    c.received === 0 ? 'No new feedback for you this period.' : `${c.received} new feedback item${c.received === 1 ? '' : 's'} from the teams downstream, by ${by}.`,
    ...(openTotal > 0 ? [`${openTotal} waiting for your reply.`] : []),
    ...(c.replies.length > 0 ? [`${c.replies.length} repl${c.replies.length === 1 ? 'y' : 'ies'} to feedback you gave.`] : []),
  ].join(' ');
  return renderEmail({
    subject: `${team} digest: ${c.received} new feedback, ${openTotal} waiting for a reply (${formatDay(c.period.start, tz)} to ${formatDay(c.period.end, tz)})`,
    heading: `${team}: the funnel and what the other teams told you`,
    paragraphs: [`From ${span}.`, summary],
    sections,
    footer: 'Sent by The Model pipeline once per period (digestSchedule). Answer feedback with its Reply links: the sender sees your answer in their digest.',
  });
}

/** The email for a team, or undefined when nothing is new. */
export function buildDigest(input: DigestInput): RenderedEmail | undefined {
  const content = digestContent(input);
  return content === undefined ? undefined : renderDigest(content);
}
