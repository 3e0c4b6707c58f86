/**
 * The funnel's CloudWatch metrics (EMF, namespace TheModelPipeline): their
 * names and their small, fixed dimension sets. The functions emit them
 * (leads.ts on every stage change, close-deal, funnel-counters.ts for the
 * hand-off ratings); the dashboard (infra/constructs/monitoring.ts) reads the
 * same names, so the two cannot drift apart.
 *
 * Every metric also carries Powertools' `service` dimension. No dimension
 * ever holds a lead id, an address or a free-form name: Stage and TeamPair
 * come from fixed lists, Reason is a known reason code or 'other'
 * (reasons.ts), currency an ISO 4217 code.
 */
export const FUNNEL_METRIC = {
  /** Count, dimension Stage: a lead entered the stage. */
  stageEntered: 'StageEntered',
  /** Milliseconds, dimension Stage: how long a lead spent in the stage it left (p50 = median time in stage). */
  timeInStage: 'TimeInStage',
  /** Count, dimensions Stage (nurture, disqualified, lost, churned, ...) and Reason. */
  outcomeReason: 'OutcomeReason',
  /** 1-5 (no unit), dimension TeamPair: each rating given in a hand-off review (Average = hand-off quality). */
  handoffRating: 'HandoffRating',
  /** Amount (no unit), dimension currency: revenue of a won deal. */
  revenueWon: 'RevenueWon',
} as const;

export const FUNNEL_DIMENSION = {
  stage: 'Stage',
  reason: 'Reason',
  teamPair: 'TeamPair',
  currency: 'currency',
} as const;

/** The TeamPair dimension value of a feedback pair, e.g. `inside-sales->marketing`. */
export const teamPairDimension = (from: string, to: string): string => `${from}->${to}`;
