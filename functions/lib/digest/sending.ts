/**
 * send-digest's side effects: which period a run covers, the feedback it
 * reads (GSI byTeamFeedback by time range, no scans), the funnel of the
 * period and the one before with the shared goal's progress (the report
 * `GET /funnel?from=&to=` answers), and one idempotent email per team and period.
 */
import type { TeamDirectory } from '#lib/teams/directory';
import { TEAMS, type Team } from '#lib/core/contracts';
import { OPEN_ITEM_PERIODS, digestContent, renderDigest, type DigestFeedback, type DigestInput, type Period } from './content';
import { REPLY_LINK_SECONDS } from '#lib/feedback/links';
import { feedbackReceived } from '#lib/funnel/activity';
import { funnelWithGoal } from '#lib/funnel/goal';
import type { RevenueGoal } from '#lib/funnel/goal-setting';
import { loadFunnel } from '#lib/funnel/report';
import { getLead } from '#lib/leads/profile';
import { sendEmail, wasSent } from '#lib/mail/mailer';
import type { RecurringSchedule } from './schedule';

/** What a run covers: its period, the one before (for trends), and the start of the open items' window. */
interface DigestPeriods {
  period: Period;
  previousPeriod: Period;
  openSince: string;
}

const iso = (d: Date): string => d.toISOString();

/**
 * The periods of a run. Scheduled: the period ends at the schedule's fire
 * time (`scheduledTime`, so a retried or late invocation covers the same
 * period) and starts at the fire time before. Without a time: the latest
 * fire time at or before `now`. An explicit period (local runs, back-fills)
 * is taken as given, the previous period being as long just before it.
 */
export function digestPeriods(schedule: RecurringSchedule, at: { scheduledTime?: string; period?: Period }, now: Date = new Date()): DigestPeriods {
  if (at.period !== undefined) {
    const start = Date.parse(at.period.start);
    const end = Date.parse(at.period.end);
    const length = end - start;
    return {
      period: { start: iso(new Date(start)), end: iso(new Date(end)) },
      previousPeriod: { start: iso(new Date(start - length)), end: iso(new Date(start)) },
      openSince: iso(new Date(end - OPEN_ITEM_PERIODS * length)),
    };
  }
  const end = schedule.latestAtOrBefore(at.scheduledTime === undefined ? now : new Date(at.scheduledTime));
  const start = schedule.previous(end);
  const before = schedule.previous(start);
  let openSince = before;
  for (let i = 2; i < OPEN_ITEM_PERIODS; i += 1) openSince = schedule.previous(openSince);
  return { period: { start: iso(start), end: iso(end) }, previousPeriod: { start: iso(before), end: iso(start) }, openSince: iso(openSince) };
}

interface DigestDeps {
  teams: TeamDirectory;
  timezone: string;
  /** Mints the reply link of a received feedback item (functions/lib/feedback/replies.ts replyLinkUrl). @default no links */
  replyLink?: (item: DigestFeedback) => Promise<string>;
  /** The revenueGoal setting (a goal stored by PUT /goal wins over it). @default none */
  goal?: RevenueGoal;
}

export interface DigestRunResult {
  period: Period;
  /** Teams emailed by this run. */
  sent: Team[];
  /** Teams whose digest for this period had gone out already. */
  alreadySent: Team[];
  /** Teams with nothing new. */
  nothingNew: Team[];
}

/** The idempotency key of a team's digest: one email per team and period (a "so far" digest ends earlier: another period). */
export const digestKey = (team: Team, period: Period): string => `digest#${team}#${period.start}#${period.end}`;

/** Builds and sends every team's digest for the periods. Idempotent per team and period. */
export async function sendDigests(periods: DigestPeriods, deps: DigestDeps): Promise<DigestRunResult> {
  const { period, previousPeriod, openSince } = periods;
  const from = openSince < previousPeriod.start ? openSince : previousPeriod.start;
  // A reply this period answers feedback from a reply link at most REPLY_LINK_SECONDS old, minted when the
  // feedback was shared or listed as an open item (up to `period.end - openSince` after it was given).
  const repliesSince = new Date(Date.parse(period.start) - REPLY_LINK_SECONDS * 1000 - (Date.parse(period.end) - Date.parse(openSince))).toISOString();
  const received = new Map<Team, DigestFeedback[]>();
  const olderReplied: DigestFeedback[] = [];
  for (const team of TEAMS) {
    received.set(team, await feedbackReceived(team, { from, to: period.end }));
    if (repliesSince < from) olderReplied.push(...(await feedbackReceived(team, { from: repliesSince, to: from }, { from: period.start, to: period.end })));
  }
  const all = [...[...received.values()].flat(), ...olderReplied];
  // The funnel of the period, as GET /funnel?from=&to= answers it, and of the period before (falling conversions).
  const funnel = await funnelWithGoal({ now: new Date(period.end), period: { from: period.start, to: period.end }, goal: deps.goal });
  const previousFunnel = await loadFunnel({ now: new Date(previousPeriod.end), period: { from: previousPeriod.start, to: previousPeriod.end } });

  // Leads are named in comments, open items and replies: one read per lead shown.
  const labels = new Map<string, string | undefined>();
  const links = new Map<DigestFeedback, string>();
  const result: DigestRunResult = { period, sent: [], alreadySent: [], nothingNew: [] };
  for (const team of TEAMS) {
    if (await wasSent(digestKey(team, period))) {
      result.alreadySent.push(team);
      continue;
    }
    const input: DigestInput = {
      team,
      period,
      previousPeriod,
      openSince,
      timezone: deps.timezone,
      received: received.get(team) ?? [],
      given: all.filter((i) => i.from === team),
      leadLabel: (id) => labels.get(id),
      replyUrl: (item) => links.get(item),
      funnel,
      previousFunnel,
    };
    // A first pass says whether there is news, which leads are named and which items need a reply link.
    const named = new Set<string>();
    const unanswered: DigestFeedback[] = [];
    const draft = digestContent({
      ...input,
      leadLabel: (id) => {
        named.add(id);
        return undefined;
      },
      replyUrl: (item) => {
        unanswered.push(item);
        return undefined;
      },
    });
    if (draft === undefined) {
      result.nothingNew.push(team);
      continue;
    }
    for (const leadId of named) {
      if (labels.has(leadId)) continue;
      const lead = await getLead(leadId);
      labels.set(leadId, lead === undefined ? undefined : `${lead.name} (${lead.company})`);
    }
    if (deps.replyLink !== undefined) for (const item of unanswered) links.set(item, await deps.replyLink(item));
    // The same content, now with names and links.
    const email = renderDigest(digestContent(input) ?? draft);
    const sent = await sendEmail({ to: deps.teams[team].lead, cc: deps.teams[team].members, ...email, idempotencyKey: digestKey(team, period) });
    (sent.sent ? result.sent : result.alreadySent).push(team);
  }
  return result;
}
