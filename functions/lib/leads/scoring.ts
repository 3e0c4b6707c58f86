/**
 * Lead scoring as a sales-ops team runs it: a fit score (is this the kind of
 * company and buyer we sell to?) plus an engagement score (how warm is the
 * lead?), 0-100, a tier per score band, and a route with a reason code.
 *
 * Every criterion earns `points[criterion] * fraction`, where the fraction
 * (0..1) comes from the lookup tables below; the total is normalised to 0-100
 * over the sum of all points, so changing the points never breaks the scale.
 *
 * Configuration: SCORING_WEIGHTS holds a JSON object that partially
 * overrides DEFAULT_SCORING_WEIGHTS (objects merge key by key, lists
 * replace). It is validated with zod; a bad value names the offending path.
 */
import * as z from '#lib/core/zod';

// ---- vocabularies (shared with the POST /leads schema) ------------------

/** Employee-count bands, as on most web forms and in most CRMs. */
export const COMPANY_SIZE_BANDS = ['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+'] as const;
export type CompanySizeBand = (typeof COMPANY_SIZE_BANDS)[number];

/** BANT "Budget": where the buyer's money stands. */
export const BUDGET_STATUSES = ['approved', 'planned', 'exploring', 'none', 'unknown'] as const;
export type BudgetStatus = (typeof BUDGET_STATUSES)[number];

/** BANT "Timeline": when the buyer means to buy. */
export const TIMELINES = ['immediate', '1-3-months', '3-6-months', '6-12-months', 'over-12-months', 'unknown'] as const;
export type Timeline = (typeof TIMELINES)[number];

/** Lead source (the channel the lead came through). */
export const LEAD_SOURCES = [
  'demo-request',
  'existing-customer',
  'referral',
  'partner',
  'event',
  'webinar',
  'content-download',
  'organic-search',
  'paid-search',
  'paid-social',
  'outbound',
  'purchased-list',
  'other',
] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

/** Seniority levels a job title is mapped to. */
const SENIORITIES = ['c-level', 'vp', 'director', 'manager', 'individual', 'student'] as const;
type Seniority = (typeof SENIORITIES)[number];

type FitCriterion = 'companySize' | 'title' | 'industry' | 'budget' | 'timeline';
type EngagementCriterion = 'source' | 'campaign' | 'pagesViewed' | 'eventsAttended';
type Criterion = FitCriterion | EngagementCriterion;

export function companySizeBand(employees: number): CompanySizeBand {
  if (employees <= 10) return '1-10';
  if (employees <= 50) return '11-50';
  if (employees <= 200) return '51-200';
  if (employees <= 1000) return '201-1000';
  if (employees <= 5000) return '1001-5000';
  return '5001+';
}

// ---- weights -------------------------------------------------------------

const fraction = z.number().check(z.gte(0), z.lte(1));
const points = z.number().check(z.gte(0), z.lte(1000));
const label = z.string().check(z.trim(), z.minLength(1), z.maxLength(100));

function tableOf<K extends string>(keys: readonly [K, ...K[]]) {
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, fraction])) as Record<K, typeof fraction>);
}

const pointsSchema = z.strictObject({
  companySize: points,
  title: points,
  industry: points,
  budget: points,
  timeline: points,
  source: points,
  campaign: points,
  pagesViewed: points,
  eventsAttended: points,
});

const tiersSchema = z.strictObject({
  /** Lowest score of tier A (B, C likewise); below C is D. */
  A: z.number().check(z.gte(0), z.lte(100)),
  B: z.number().check(z.gte(0), z.lte(100)),
  C: z.number().check(z.gte(0), z.lte(100)),
});

const routingSchema = z.strictObject({
  /** Score at or above which a lead is sales-ready (the MQL threshold)... */
  salesReadyMinScore: z.number().check(z.gte(0), z.lte(100)),
  /** ...provided its fit is at least this share of the fit points. */
  salesReadyMinFit: fraction,
  /** ...and its engagement at least this share of the engagement points (fit alone is not interest). */
  salesReadyMinEngagement: fraction,
  /** Below this score the lead is disqualified, not nurtured. */
  disqualifyBelowScore: z.number().check(z.gte(0), z.lte(100)),
  /** Below this share of the fit points the lead is disqualified (not our customer). */
  disqualifyBelowFit: fraction,
});

const scoringWeightsSchema = z
  .strictObject({
    /** Points per criterion (their sum is the 100 % mark). */
    points: pointsSchema,
    companySize: tableOf(COMPANY_SIZE_BANDS),
    seniority: tableOf(SENIORITIES),
    /** Industries of the ideal customer profile (case-insensitive match). */
    targetIndustries: z.array(label).check(z.maxLength(200)),
    /** Fraction for an industry that is given but not a target, and for none given. */
    otherIndustry: fraction,
    unknownIndustry: fraction,
    budget: tableOf(BUDGET_STATUSES),
    timeline: tableOf(TIMELINES),
    source: tableOf(LEAD_SOURCES),
    /** Campaigns that earn full campaign points (case-insensitive); any other campaign earns `otherCampaign`. */
    priorityCampaigns: z.array(label).check(z.maxLength(200)),
    otherCampaign: fraction,
    /** Pages viewed / events attended that earn the full points (linear below). */
    pagesViewedForFullPoints: z.number().check(z.int(), z.gte(1), z.lte(10_000)),
    eventsForFullPoints: z.number().check(z.int(), z.gte(1), z.lte(1_000)),
    tiers: tiersSchema,
    routing: routingSchema,
  })
  .check((ctx) => {
    const w = ctx.value;
    if (!(w.tiers.A > w.tiers.B && w.tiers.B > w.tiers.C)) {
      ctx.issues.push({ code: 'custom', path: ['tiers'], message: 'tiers must satisfy A > B > C', input: w.tiers });
    }
    if (Object.values(w.points).reduce((a, b) => a + b, 0) <= 0) {
      ctx.issues.push({ code: 'custom', path: ['points'], message: 'points must not all be 0', input: w.points });
    }
    if (w.routing.disqualifyBelowScore > w.routing.salesReadyMinScore) {
      ctx.issues.push({
        code: 'custom',
        path: ['routing', 'disqualifyBelowScore'],
        message: 'must not exceed routing.salesReadyMinScore',
        input: w.routing.disqualifyBelowScore,
      });
    }
  });
type ScoringWeights = z.infer<typeof scoringWeightsSchema>;

/**
 * The defaults. Fit is worth 60 points, engagement 40: a well-fitting lead
 * that has barely engaged lands in nurture, an eager lead that is not our
 * customer does not reach sales.
 */
export const DEFAULT_SCORING_WEIGHTS: ScoringWeights = deepFreeze({
  points: {
    companySize: 15,
    title: 15,
    industry: 10,
    budget: 10,
    timeline: 10,
    source: 15,
    campaign: 5,
    pagesViewed: 10,
    eventsAttended: 10,
  },
  companySize: { '1-10': 0.1, '11-50': 0.4, '51-200': 0.8, '201-1000': 1, '1001-5000': 1, '5001+': 0.7 },
  seniority: { 'c-level': 1, vp: 1, director: 0.8, manager: 0.5, individual: 0.2, student: 0 },
  targetIndustries: ['software', 'saas', 'it services', 'financial services', 'professional services', 'telecommunications'],
  otherIndustry: 0.2,
  unknownIndustry: 0.3,
  budget: { approved: 1, planned: 0.7, exploring: 0.3, none: 0, unknown: 0.2 },
  timeline: { immediate: 1, '1-3-months': 0.8, '3-6-months': 0.5, '6-12-months': 0.2, 'over-12-months': 0, unknown: 0.2 },
  source: {
    'demo-request': 1,
    'existing-customer': 1,
    referral: 1,
    partner: 0.8,
    event: 0.8,
    webinar: 0.7,
    'content-download': 0.5,
    'organic-search': 0.5,
    'paid-search': 0.4,
    'paid-social': 0.3,
    outbound: 0.3,
    'purchased-list': 0.1,
    other: 0.2,
  },
  priorityCampaigns: [],
  otherCampaign: 0.5,
  pagesViewedForFullPoints: 10,
  eventsForFullPoints: 2,
  tiers: { A: 75, B: 50, C: 25 },
  routing: { salesReadyMinScore: 60, salesReadyMinFit: 0.5, salesReadyMinEngagement: 0.25, disqualifyBelowScore: 20, disqualifyBelowFit: 0.2 },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key (recursively), everything else replaces. */
function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}

export class ScoringConfigError extends Error {
  override readonly name = 'ScoringConfigError';
}

/**
 * Applies a partial override (already parsed JSON) to the defaults and
 * validates the result. Unknown keys are rejected so a typo does not pass
 * silently.
 */
export function resolveScoringWeights(override: unknown, source = 'SCORING_WEIGHTS'): ScoringWeights {
  if (override === undefined || override === null) return DEFAULT_SCORING_WEIGHTS;
  if (!isPlainObject(override)) throw new ScoringConfigError(`${source} must be a JSON object`);
  const parsed = scoringWeightsSchema.safeParse(deepMerge(DEFAULT_SCORING_WEIGHTS, override));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new ScoringConfigError(`${source}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Parses the SCORING_WEIGHTS environment value (undefined: defaults). */
export function parseScoringWeights(json: string | undefined, source = 'SCORING_WEIGHTS'): ScoringWeights {
  if (json === undefined || json.trim() === '') return DEFAULT_SCORING_WEIGHTS;
  let raw: Json;
  try {
    raw = JSON.parse(json) as Json;
  } catch {
    throw new ScoringConfigError(`${source} is not valid JSON`);
  }
  return resolveScoringWeights(raw, source);
}

/**
 * The `scoringWeights` setting (SCORING_WEIGHTS): a partial override, an
 * object whose merge over the defaults gives valid weights. Its issues keep
 * their path (`SCORING_WEIGHTS.points.title: ...`).
 */
export const scoringWeightsOverrideSchema = z.record(z.string(), z.unknown()).check((ctx) => {
  const merged = scoringWeightsSchema.safeParse(deepMerge(DEFAULT_SCORING_WEIGHTS, ctx.value));
  for (const issue of merged.error?.issues ?? []) ctx.issues.push({ code: 'custom', path: issue.path, message: issue.message, input: ctx.value });
});

// ---- title seniority -----------------------------------------------------

const SENIORITY_PATTERNS: ReadonlyArray<readonly [Seniority, RegExp]> = [
  ['student', /\b(student|intern|trainee|apprentice)\b/i],
  [
    'c-level',
    /\b(ceo|cfo|cto|cio|coo|cmo|cro|cso|cdo|cpo|chief|founder|co-?founder|owner|president|managing director|general manager|managing partner)\b/i,
  ],
  ['vp', /\b(vp|svp|evp|avp|vice[ -]president|head of|head)\b/i],
  ['director', /\b(director|dir\.?)\b/i],
  ['manager', /\b(manager|mgr|lead|team lead|supervisor)\b/i],
];

/** Maps a free-text job title to a seniority level (unmatched: individual). */
export function titleSeniority(title: string | undefined): Seniority {
  const t = (title ?? '').trim();
  if (t === '') return 'individual';
  // "Vice President" before "President", "Assistant to the CEO" is not a CEO.
  if (/\b(assistant|associate|executive assistant|ea)\b\s+(to|of)\b/i.test(t)) return 'individual';
  if (/\bvice[ -]president\b/i.test(t)) return 'vp';
  for (const [level, re] of SENIORITY_PATTERNS) {
    if (re.test(t)) return level;
  }
  return 'individual';
}

// ---- scoring -------------------------------------------------------------

/** What scoring needs from a lead (a subset of the stored profile). */
export interface ScoringInput {
  companySize?: CompanySizeBand | undefined;
  title?: string | undefined;
  industry?: string | undefined;
  budget?: BudgetStatus | undefined;
  timeline?: Timeline | undefined;
  source?: LeadSource | undefined;
  campaign?: string | undefined;
  pagesViewed?: number | undefined;
  eventsAttended?: number | undefined;
  /** Consent to be contacted; false disqualifies (reason 'no-consent'). */
  consent?: boolean | undefined;
}

type Tier = 'A' | 'B' | 'C' | 'D';
export type ScoreRoute = 'sales-ready' | 'nurture' | 'disqualify';

/** Reason codes, stable strings that the funnel and Marketing group by. */
type RouteReason =
  | 'meets-sales-ready-threshold'
  | 'score-below-threshold'
  | 'engagement-too-low'
  | 'fit-below-sales-ready'
  | 'no-budget'
  | 'timeline-too-far'
  | 'score-below-minimum'
  | 'poor-fit'
  | 'student-or-personal'
  | 'no-consent';

interface CriterionScore {
  criterion: Criterion;
  group: 'fit' | 'engagement';
  /** The value scored, as a short label (e.g. '201-1000', 'vp', 'webinar'). */
  value: string;
  earned: number;
  max: number;
}

interface ScoreResult {
  /** 0-100, rounded. */
  score: number;
  /** Fit and engagement, each 0-100 of their own points. */
  fit: number;
  engagement: number;
  tier: Tier;
  route: ScoreRoute;
  reason: RouteReason;
  seniority: Seniority;
  breakdown: CriterionScore[];
}

function lc(s: string): string {
  return s.trim().toLocaleLowerCase('en');
}

function share(earned: number, max: number): number {
  return max > 0 ? earned / max : 0;
}

export function tierFor(score: number, tiers: ScoringWeights['tiers']): Tier {
  if (score >= tiers.A) return 'A';
  if (score >= tiers.B) return 'B';
  if (score >= tiers.C) return 'C';
  return 'D';
}

export function scoreLead(lead: ScoringInput, weights: ScoringWeights = DEFAULT_SCORING_WEIGHTS): ScoreResult {
  const p = weights.points;
  const seniority = titleSeniority(lead.title);
  const industry = lead.industry?.trim() ?? '';
  const targets = new Set(weights.targetIndustries.map(lc));
  const campaign = lead.campaign?.trim() ?? '';
  const priority = new Set(weights.priorityCampaigns.map(lc));
  const pages = Math.max(0, lead.pagesViewed ?? 0);
  const events = Math.max(0, lead.eventsAttended ?? 0);
  const budget = lead.budget ?? 'unknown';
  const timeline = lead.timeline ?? 'unknown';
  const source = lead.source ?? 'other';

  const rows: Array<[Criterion, 'fit' | 'engagement', string, number]> = [
    ['companySize', 'fit', lead.companySize ?? 'unknown', lead.companySize ? weights.companySize[lead.companySize] : 0],
    ['title', 'fit', seniority, weights.seniority[seniority]],
    [
      'industry',
      'fit',
      industry === '' ? 'unknown' : targets.has(lc(industry)) ? 'target' : 'other',
      industry === '' ? weights.unknownIndustry : targets.has(lc(industry)) ? 1 : weights.otherIndustry,
    ],
    ['budget', 'fit', budget, weights.budget[budget]],
    ['timeline', 'fit', timeline, weights.timeline[timeline]],
    ['source', 'engagement', source, weights.source[source]],
    [
      'campaign',
      'engagement',
      campaign === '' ? 'none' : priority.has(lc(campaign)) ? 'priority' : 'other',
      campaign === '' ? 0 : priority.has(lc(campaign)) ? 1 : weights.otherCampaign,
    ],
    ['pagesViewed', 'engagement', String(pages), Math.min(pages / weights.pagesViewedForFullPoints, 1)],
    ['eventsAttended', 'engagement', String(events), Math.min(events / weights.eventsForFullPoints, 1)],
  ];

  const breakdown: CriterionScore[] = rows.map(([criterion, group, value, f]) => ({
    criterion,
    group,
    value,
    earned: p[criterion] * f,
    max: p[criterion],
  }));
  const sum = (group?: 'fit' | 'engagement', key: 'earned' | 'max' = 'earned') =>
    breakdown.filter((r) => group === undefined || r.group === group).reduce((a, r) => a + r[key], 0);

  const fitShare = share(sum('fit'), sum('fit', 'max'));
  const engagementShare = share(sum('engagement'), sum('engagement', 'max'));
  const score = Math.round(share(sum(), sum(undefined, 'max')) * 100);
  const tier = tierFor(score, weights.tiers);
  const { route, reason } = routeFor({ score, fitShare, engagementShare, seniority, lead, weights });

  return {
    score,
    fit: Math.round(fitShare * 100),
    engagement: Math.round(engagementShare * 100),
    tier,
    route,
    reason,
    seniority,
    breakdown,
  };
}

function routeFor(args: {
  score: number;
  fitShare: number;
  engagementShare: number;
  seniority: Seniority;
  lead: ScoringInput;
  weights: ScoringWeights;
}): { route: ScoreRoute; reason: RouteReason } {
  const { score, fitShare, engagementShare, seniority, lead, weights } = args;
  const r = weights.routing;
  // Hard stops first: these are not our buyers whatever the score.
  if (lead.consent === false) return { route: 'disqualify', reason: 'no-consent' };
  if (seniority === 'student') return { route: 'disqualify', reason: 'student-or-personal' };
  if (fitShare < r.disqualifyBelowFit) return { route: 'disqualify', reason: 'poor-fit' };
  if (score < r.disqualifyBelowScore) return { route: 'disqualify', reason: 'score-below-minimum' };

  if (score >= r.salesReadyMinScore) {
    if (fitShare < r.salesReadyMinFit) return { route: 'nurture', reason: 'fit-below-sales-ready' };
    if (engagementShare < r.salesReadyMinEngagement) return { route: 'nurture', reason: 'engagement-too-low' };
    if (lead.budget === 'none') return { route: 'nurture', reason: 'no-budget' };
    if (lead.timeline === 'over-12-months') return { route: 'nurture', reason: 'timeline-too-far' };
    return { route: 'sales-ready', reason: 'meets-sales-ready-threshold' };
  }
  // Good fit, cold lead: Marketing should warm it up.
  if (fitShare >= r.salesReadyMinFit && engagementShare < r.salesReadyMinEngagement) return { route: 'nurture', reason: 'engagement-too-low' };
  return { route: 'nurture', reason: 'score-below-threshold' };
}
