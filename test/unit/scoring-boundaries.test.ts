// Scoring at each threshold: a lead exactly at a threshold and one just past
// it, for every routing rule, tier and company-size band, and each config
// validation by its own message (a test that accepts any error proves nothing).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORING_WEIGHTS,
  ScoringConfigError,
  companySizeBand,
  parseScoringWeights,
  resolveScoringWeights,
  scoreLead,
  scoringWeightsOverrideSchema,
  tierFor,
  type ScoringInput,
} from '#lib/leads/scoring';

type Routing = (typeof DEFAULT_SCORING_WEIGHTS)['routing'];
const weights = (routing: Partial<Routing>) => resolveScoringWeights({ routing });
/** The exact shares scoreLead computes (the rounded fit and engagement it returns are not enough at a boundary). */
function shares(lead: ScoringInput): { score: number; fit: number; engagement: number } {
  const r = scoreLead(lead);
  const share = (g: 'fit' | 'engagement') => {
    const rows = r.breakdown.filter((b) => b.group === g);
    return rows.reduce((a, b) => a + b.earned, 0) / rows.reduce((a, b) => a + b.max, 0);
  };
  return { score: r.score, fit: share('fit'), engagement: share('engagement') };
}
const route = (lead: ScoringInput, routing: Partial<Routing>) => {
  const r = scoreLead(lead, weights(routing));
  return `${r.route}/${r.reason}`;
};
const EPS = 1e-9;

/** Fit 1, engagement 35/40, score 95. */
const hot: ScoringInput = { companySize: '201-1000', title: 'CTO', industry: 'Software', budget: 'approved', timeline: 'immediate', source: 'demo-request', pagesViewed: 10, eventsAttended: 2 };
/** Middling: fit and engagement both well inside (0, 1). */
const warm: ScoringInput = { companySize: '11-50', title: 'Marketing Manager', industry: 'Mining', budget: 'planned', timeline: '3-6-months', source: 'webinar', pagesViewed: 3, eventsAttended: 0 };
const open: Partial<Routing> = { salesReadyMinScore: 0, salesReadyMinFit: 0, salesReadyMinEngagement: 0, disqualifyBelowScore: 0, disqualifyBelowFit: 0 };

describe('routing at its thresholds', () => {
  it('score-below-minimum: at the minimum the lead is not disqualified, one point below it is', () => {
    const { score } = shares(warm);
    expect(route(warm, { ...open, salesReadyMinScore: 100, disqualifyBelowScore: score })).not.toBe('disqualify/score-below-minimum');
    expect(route(warm, { ...open, salesReadyMinScore: 100, disqualifyBelowScore: score + 1 })).toBe('disqualify/score-below-minimum');
  });

  it('poor-fit: at the minimum fit share the lead stays, just below it is disqualified', () => {
    const { fit } = shares(warm);
    expect(route(warm, { ...open, disqualifyBelowFit: fit })).toBe('sales-ready/meets-sales-ready-threshold');
    expect(route(warm, { ...open, disqualifyBelowFit: fit + EPS })).toBe('disqualify/poor-fit');
  });

  it('sales-ready: at the score threshold yes, one point short no', () => {
    const { score } = shares(hot);
    expect(route(hot, { ...open, salesReadyMinScore: score })).toBe('sales-ready/meets-sales-ready-threshold');
    expect(route(hot, { ...open, salesReadyMinScore: score + 1 })).toBe('nurture/score-below-threshold');
  });

  it('sales-ready needs the fit share and the engagement share, each at least its threshold', () => {
    const { score, fit, engagement } = shares(warm);
    const base = { ...open, salesReadyMinScore: score };
    expect(route(warm, { ...base, salesReadyMinFit: fit, salesReadyMinEngagement: engagement })).toBe('sales-ready/meets-sales-ready-threshold');
    expect(route(warm, { ...base, salesReadyMinFit: fit + EPS })).toBe('nurture/fit-below-sales-ready');
    expect(route(warm, { ...base, salesReadyMinEngagement: engagement + EPS })).toBe('nurture/engagement-too-low');
  });

  it('no budget or a timeline over 12 months keeps a sales-ready score in nurture', () => {
    expect(route({ ...hot, budget: 'none' }, open)).toBe('nurture/no-budget');
    expect(route({ ...hot, timeline: 'over-12-months' }, open)).toBe('nurture/timeline-too-far');
    expect(route({ ...hot, timeline: '6-12-months', budget: 'unknown' }, open)).toBe('sales-ready/meets-sales-ready-threshold');
  });

  it('the cold lead (good fit, low engagement, score short of sales-ready) is nurtured as engagement-too-low, at each threshold', () => {
    const { score, fit, engagement } = shares(warm);
    const cold = { ...open, salesReadyMinScore: score + 1, salesReadyMinFit: fit, salesReadyMinEngagement: engagement + EPS };
    expect(route(warm, cold)).toBe('nurture/engagement-too-low');
    expect(route(warm, { ...cold, salesReadyMinFit: fit + EPS })).toBe('nurture/score-below-threshold');
    expect(route(warm, { ...cold, salesReadyMinEngagement: engagement })).toBe('nurture/score-below-threshold');
  });

  it('hard stops come first: no consent, a student', () => {
    expect(route({ ...hot, consent: false }, open)).toBe('disqualify/no-consent');
    expect(route({ ...hot, consent: true }, open)).toBe('sales-ready/meets-sales-ready-threshold');
    expect(route({ ...hot, title: 'Working Student' }, open)).toBe('disqualify/student-or-personal');
  });

  it('with the default weights: the hot lead is sales-ready at 95, an empty lead is disqualified', () => {
    expect(scoreLead(hot)).toMatchObject({ score: 95, fit: 100, engagement: 88, tier: 'A', route: 'sales-ready' });
    expect(scoreLead({})).toMatchObject({ route: 'disqualify' });
  });
});

describe('what a score is made of (pinned, so a criterion counted in the wrong group or under the wrong label fails)', () => {
  it('the warm lead with the default weights: each criterion, its group, label and points', () => {
    const r = scoreLead(warm);
    expect({ score: r.score, fit: r.fit, engagement: r.engagement, tier: r.tier, route: r.route, reason: r.reason }).toEqual({ score: 41, fit: 46, engagement: 34, tier: 'C', route: 'nurture', reason: 'score-below-threshold' });
    expect(r.breakdown.map((b) => [b.criterion, b.group, b.value, b.earned])).toEqual([
      ['companySize', 'fit', '11-50', 6],
      ['title', 'fit', 'manager', 7.5],
      ['industry', 'fit', 'other', 2],
      ['budget', 'fit', 'planned', 7],
      ['timeline', 'fit', '3-6-months', 5],
      ['source', 'engagement', 'webinar', 10.5],
      ['campaign', 'engagement', 'none', 0],
      ['pagesViewed', 'engagement', '3', 3],
      ['eventsAttended', 'engagement', '0', 0],
    ]);
  });

  it('nothing given: every criterion unknown (or its default), in its group', () => {
    expect(scoreLead({}).breakdown.map((b) => [b.group, b.value])).toEqual([
      ['fit', 'unknown'],
      ['fit', 'individual'],
      ['fit', 'unknown'],
      ['fit', 'unknown'],
      ['fit', 'unknown'],
      ['engagement', 'other'],
      ['engagement', 'none'],
      ['engagement', '0'],
      ['engagement', '0'],
    ]);
  });

  it('industry and campaign match trimmed and case-insensitively; blanks count as none', () => {
    const w = resolveScoringWeights({ priorityCampaigns: ['Spring Launch'] });
    const labels = (lead: ScoringInput) => scoreLead(lead, w).breakdown.filter((b) => b.criterion === 'industry' || b.criterion === 'campaign').map((b) => [b.value, b.earned]);
    expect(labels({ industry: '  SaaS ', campaign: ' spring launch ' })).toEqual([['target', 10], ['priority', 5]]);
    expect(labels({ industry: 'Mining', campaign: 'autumn' })).toEqual([['other', 2], ['other', 2.5]]);
    expect(labels({ industry: '   ', campaign: '  ' })).toEqual([['unknown', 3], ['none', 0]]);
  });

  it('titles: blank is individual, an assistant to a chief is not a chief (however spaced)', () => {
    const seniority = (title: string) => scoreLead({ title }).seniority;
    expect(['  ', 'Assistant to the CEO', 'Assistant  to the CEO', 'Executive Assistant of the CFO', 'CEO'].map(seniority)).toEqual(['individual', 'individual', 'individual', 'individual', 'c-level']);
  });

  it('a config error is a ScoringConfigError by name; its source defaults to SCORING_WEIGHTS', () => {
    expect(() => resolveScoringWeights([])).toThrow(expect.objectContaining({ name: 'ScoringConfigError', message: 'SCORING_WEIGHTS must be a JSON object' }));
    expect(() => resolveScoringWeights({ tiers: { A: 1 } }, 'SETTINGS')).toThrow('SETTINGS.tiers: tiers must satisfy A > B > C');
  });
});

describe('tiers and bands at their boundaries', () => {
  it('tierFor: each tier starts at its threshold', () => {
    const t = { A: 75, B: 50, C: 25 };
    expect([75, 74, 50, 49, 25, 24, 0, 100].map((s) => tierFor(s, t))).toEqual(['A', 'B', 'B', 'C', 'C', 'D', 'D', 'A']);
  });

  it('companySizeBand: each band ends at its upper bound', () => {
    expect([1, 10, 11, 50, 51, 200, 201, 1000, 1001, 5000, 5001].map(companySizeBand)).toEqual(['1-10', '1-10', '11-50', '11-50', '51-200', '51-200', '201-1000', '201-1000', '1001-5000', '1001-5000', '5001+']);
  });
});

describe('config validation, each by its message', () => {
  const fails = (json: string) => {
    try {
      parseScoringWeights(json);
    } catch (error) {
      return error instanceof ScoringConfigError ? error.message : `not a ScoringConfigError: ${String(error)}`;
    }
    return 'accepted';
  };

  it('tiers must be strictly decreasing', () => {
    expect(fails(JSON.stringify({ tiers: { A: 50, B: 50, C: 25 } }))).toBe('SCORING_WEIGHTS.tiers: tiers must satisfy A > B > C');
    expect(fails(JSON.stringify({ tiers: { A: 75, B: 25, C: 25 } }))).toBe('SCORING_WEIGHTS.tiers: tiers must satisfy A > B > C');
    expect(fails(JSON.stringify({ tiers: { A: 75, B: 26, C: 25 } }))).toBe('accepted');
  });

  it('points must not all be 0 (one point anywhere is enough)', () => {
    const zero = Object.fromEntries(Object.keys(DEFAULT_SCORING_WEIGHTS.points).map((k) => [k, 0]));
    expect(fails(JSON.stringify({ points: zero }))).toBe('SCORING_WEIGHTS.points: points must not all be 0');
    expect(fails(JSON.stringify({ points: { ...zero, campaign: 1 } }))).toBe('accepted');
  });

  it('the disqualification score must not exceed the sales-ready score (equal is fine)', () => {
    expect(fails(JSON.stringify({ routing: { disqualifyBelowScore: 61 } }))).toBe('SCORING_WEIGHTS.routing.disqualifyBelowScore: must not exceed routing.salesReadyMinScore');
    expect(fails(JSON.stringify({ routing: { disqualifyBelowScore: 60 } }))).toBe('accepted');
  });

  it('not an object, not JSON, an unknown key: each its own message; nothing at all means the defaults', () => {
    expect(fails('[1]')).toBe('SCORING_WEIGHTS must be a JSON object');
    expect(fails('"x"')).toBe('SCORING_WEIGHTS must be a JSON object');
    expect(fails('{')).toBe('SCORING_WEIGHTS is not valid JSON');
    expect(fails(JSON.stringify({ pionts: {} }))).toBe('SCORING_WEIGHTS: Unrecognized key: "pionts"');
    expect(() => parseScoringWeights('{', 'MY_SOURCE')).toThrow('MY_SOURCE is not valid JSON');
    expect(parseScoringWeights(undefined)).toBe(DEFAULT_SCORING_WEIGHTS);
    expect(parseScoringWeights('  ')).toBe(DEFAULT_SCORING_WEIGHTS);
    expect(resolveScoringWeights(null)).toBe(DEFAULT_SCORING_WEIGHTS);
    expect(parseScoringWeights('null')).toBe(DEFAULT_SCORING_WEIGHTS);
  });

  it('a section replaced by something that is not an object fails on that section; an undefined one keeps the defaults', () => {
    expect(fails(JSON.stringify({ tiers: null }))).toBe('SCORING_WEIGHTS.tiers: Invalid input: expected object, received null');
    expect(fails(JSON.stringify({ tiers: 5 }))).toBe('SCORING_WEIGHTS.tiers: Invalid input: expected object, received number');
    expect(fails(JSON.stringify({ tiers: [1] }))).toBe('SCORING_WEIGHTS.tiers: Invalid input: expected object, received array');
    expect(resolveScoringWeights({ tiers: undefined })).toEqual(DEFAULT_SCORING_WEIGHTS);
    expect(resolveScoringWeights(undefined)).toBe(DEFAULT_SCORING_WEIGHTS);
  });

  it('the override schema (the settings API) reports the same issues', () => {
    expect(scoringWeightsOverrideSchema.safeParse({ tiers: { B: 80 } }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['tiers', 'tiers must satisfy A > B > C']]);
    expect(scoringWeightsOverrideSchema.safeParse({ tiers: { B: 60 } }).success).toBe(true);
  });
});
