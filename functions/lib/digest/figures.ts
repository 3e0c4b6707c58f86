/**
 * The funnel figures of a team's digest (pure): taken from the funnel report
 * of the digest's period (funnel/report.ts, the same figures as
 * `GET /funnel?from=&to=`), never counted again here.
 *
 * - Marketing, per campaign: leads, qualified, meetings, won, revenue, lost
 *   and nurtured with their top reasons.
 * - Inside Sales, Field Sales, Customer Success, per owner: the conversion
 *   of the step the team owns, the time to answer, the overdue requests.
 * - Everybody: the shared revenue goal and its progress (funnel/goal.ts).
 *
 * What needs a look is marked with a word and a sign, not by colour alone:
 * a rating below LOW_RATING ("Low"), a rating or conversion lower than the
 * period before ("falling"), an overdue request.
 */
import type { Team } from '#lib/core/contracts';
import { formatMoney, humanizeCode } from '#lib/core/format';
import { NO_CAMPAIGN } from '#lib/funnel/counters';
import type { GoalProgress } from '#lib/funnel/goal';
import type { CampaignFigures, FunnelReport, HeadlineFigures, HeadlineStep, OwnerFigures, ReasonCount } from '#lib/funnel/report';
import { FEEDBACK_STEP_DEFINITIONS, TEAM_NAMES, reasonLabel } from '#lib/feedback/steps';
import type { SummaryRow } from '#lib/mail/layout';

/** A mean rating below this (out of 5) is marked low. */
export const LOW_RATING = 3;
/** Campaigns or owners shown at most (the most active; the rest is counted): the email stays short and far under SES' size limit. */
export const MAX_GROUPS = 15;

/** The campaign label the feedback uses for leads without one (the funnel says NO_CAMPAIGN). */
export const NO_CAMPAIGN_LABEL = '(no campaign)';

/** The conversion each sales team owns, from the headline figure before it. */
const OWNED_CONVERSION: Readonly<Record<Exclude<Team, 'marketing'>, { step: Exclude<HeadlineStep, 'leads'>; from: HeadlineStep; label: string }>> = {
  'inside-sales': { step: 'meetings', from: 'qualified', label: 'Qualified to meeting' },
  'field-sales': { step: 'won', from: 'meetings', label: 'Meeting to won' },
  'customer-success': { step: 'retained', from: 'onboarded', label: 'Onboarded to renewed' },
};

export interface CampaignLine {
  campaign: string;
  figures: CampaignFigures;
}

export interface OwnerLine {
  owner: string;
  label: string;
  /** The conversion the team owns (0-1), null without a lead to convert; the period before's when there was one. */
  conversion: number | null;
  previousConversion?: number | null;
  /** Converted / to convert, e.g. 3 meetings of 4 qualified. */
  converted: number;
  toConvert: number;
  answered: number;
  avgHoursToAnswer: number | null;
  overdue: number;
}

/** Marketing's campaigns in the period's funnel, labelled as the feedback labels them. */
export function campaignLines(report: FunnelReport | undefined): CampaignLine[] {
  return (report?.byCampaign ?? []).map((figures) => ({ campaign: figures.campaign === NO_CAMPAIGN ? NO_CAMPAIGN_LABEL : figures.campaign, figures }));
}

/** A sales team's owners in the period's funnel, with the conversion the team owns (and the period before's). */
export function ownerLines(team: Exclude<Team, 'marketing'>, report: FunnelReport | undefined, previous: FunnelReport | undefined): OwnerLine[] {
  const { step, from, label } = OWNED_CONVERSION[team];
  const mine = (r: FunnelReport | undefined): OwnerFigures[] => (r?.byOwner ?? []).filter((o) => o.team === team);
  const earlier = new Map(mine(previous).map((o) => [o.owner, o.conversion[step]]));
  return mine(report).map((o) => ({
    owner: o.owner,
    label,
    conversion: o.conversion[step],
    ...(earlier.has(o.owner) ? { previousConversion: earlier.get(o.owner) ?? null } : {}),
    converted: o[step],
    toConvert: o[from],
    answered: o.answered,
    avgHoursToAnswer: o.avgHoursToAnswer,
    overdue: o.overdue,
  }));
}

/** Has a campaign or owner line anything to say? */
export const campaignActive = (c: CampaignLine): boolean => c.figures.leads + c.figures.qualified + c.figures.meetings + c.figures.won + c.figures.lost + c.figures.nurtured > 0;
export const ownerActive = (o: OwnerLine): boolean => o.toConvert + o.converted + o.answered + o.overdue > 0;

// ---- rendering ---------------------------------------------------------------------

const percent = (v: number): string => `${Math.round(v * 100)}%`;

/** A reason code in words: the label a review form gives it, else the code as words (scoring's and the state machine's). */
function reasonWords(code: string): string {
  for (const def of Object.values(FEEDBACK_STEP_DEFINITIONS)) {
    const label = reasonLabel(def.step, code);
    if (label !== code) return label;
  }
  return humanizeCode(code);
}

function reasonsText(reasons: readonly ReasonCount[]): string {
  return reasons.map((r) => `${reasonWords(r.reason)} ×${r.count}`).join(', ');
}

function revenueText(f: HeadlineFigures): string {
  return f.revenue.length === 0 ? 'none' : f.revenue.map((r) => `${formatMoney(r.amount, r.currency)} (${r.deals} deal${r.deals === 1 ? '' : 's'})`).join(', ');
}

/** A campaign's funnel rows. */
export function campaignRows(c: CampaignLine): SummaryRow[] {
  const f = c.figures;
  return [
    { label: 'Leads', value: String(f.leads) },
    { label: 'Qualified', value: String(f.qualified) },
    { label: 'Meetings', value: String(f.meetings) },
    { label: 'Won', value: String(f.won) },
    { label: 'Revenue', value: revenueText(f) },
    { label: 'Lost', value: f.lost === 0 ? '0' : `${f.lost}: ${reasonsText(f.lostReasons)}` },
    { label: 'Nurtured', value: f.nurtured === 0 ? '0' : `${f.nurtured}: ${reasonsText(f.nurtureReasons)}` },
  ];
}

/** Hours as people say them: "45 min", "3.5 h", "2.1 days". */
export function durationText(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}

/** An owner's rows: the conversion the team owns (falling marked), time to answer, overdue requests (marked). */
export function ownerRows(o: OwnerLine): SummaryRow[] {
  const falling = o.conversion !== null && o.previousConversion !== undefined && o.previousConversion !== null && o.conversion < o.previousConversion;
  const conversion =
    o.conversion === null
      ? 'nothing to convert yet'
      : `${falling ? '▼ Falling: ' : ''}${percent(o.conversion)} (${o.converted} of ${o.toConvert})${
          o.previousConversion === undefined || o.previousConversion === null ? '' : `; ${percent(o.previousConversion)} the period before`
        }`;
  return [
    { label: o.label, value: conversion, ...(falling ? { alert: true } : {}) },
    { label: 'Time to answer', value: o.avgHoursToAnswer === null ? 'no answers this period' : `${durationText(o.avgHoursToAnswer)} on average (${o.answered} answer${o.answered === 1 ? '' : 's'})` },
    { label: 'Overdue requests', value: o.overdue === 0 ? 'none' : `⚠ ${o.overdue} passed the deadline (escalated to the team lead)`, ...(o.overdue > 0 ? { alert: true } : {}) },
  ];
}

const GOAL_PERIOD_WORDS: Readonly<Record<GoalProgress['period'], string>> = { month: 'this month', quarter: 'this quarter', year: 'this year' };

function dayText(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

/** The goal's headline, the same sentence in every team's digest: "€40,000 of €250,000 won this quarter (16%)". */
export function goalHeadline(g: GoalProgress): string {
  return `${formatMoney(g.won, g.currency)} of ${formatMoney(g.amount, g.currency)} won ${GOAL_PERIOD_WORDS[g.period]} (${percent(g.share)})`;
}

/** The goal section's rows: progress, then what each team's work added, in pipeline order (no ranking). */
export function goalRows(g: GoalProgress): SummaryRow[] {
  const last = new Date(Date.parse(g.end) - 1).toISOString();
  const deals = (n: number) => `${n} deal${n === 1 ? '' : 's'}`;
  const contribution = (c: GoalProgress['byTeam'][number]): string => {
    const head = `${formatMoney(c.amount, g.currency)}, ${c.label} (${deals(c.deals)})`;
    if (c.campaigns !== undefined && c.campaigns.length > 0) return `${head}: ${c.campaigns.map((x) => `${x.campaign} ${formatMoney(x.amount, g.currency)}`).join(', ')}`;
    if (c.renewals !== undefined) return `${head}; ${c.renewals} renewal${c.renewals === 1 ? '' : 's'}`;
    return head;
  };
  return [
    { label: 'Progress', value: `${goalHeadline(g)}; ${g.remaining > 0 ? `${formatMoney(g.remaining, g.currency)} to go` : 'goal reached'}` },
    { label: 'Goal period', value: `${dayText(g.start)} to ${dayText(last)} (UTC), counted to ${dayText(g.asOf)}` },
    ...g.byTeam.map((c) => ({ label: `${TEAM_NAMES[c.team]} added`, value: contribution(c) })),
    ...(g.notCounted.length > 0 ? [{ label: 'Not counted', value: `won in other currencies: ${g.notCounted.map((r) => formatMoney(r.amount, r.currency)).join(', ')}` }] : []),
  ];
}
