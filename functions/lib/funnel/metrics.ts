import type { ReviewStep, Stage, Team } from '#lib/core/contracts';
import { FEEDBACK_STEP_DEFINITIONS } from '#lib/feedback/steps';

/**
 * The funnel's shape (main path, headline figures, team pairs) and its CloudWatch metrics (EMF, namespace TheModelPipeline): their
 * names and their small, fixed dimension sets. The functions emit them
 * (leads/profile.ts on every stage change, close-deal, funnel/counters.ts for the
 * hand-off ratings); the dashboard (infra/constructs/monitoring.ts) reads the
 * same names, so the two cannot drift apart.
 *
 * Every metric also carries Powertools' `service` dimension. No dimension
 * ever holds a lead id, an address or a free-form name: Stage and TeamPair
 * come from fixed lists, Reason is a known reason code or 'other'
 * (funnel/reasons.ts), currency an ISO 4217 code.
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

/**
 * Count, dimension kind (failed | stalled): a lead was asked for a rescue decision (request-feedback, step 'rescue';
 * again each time the rescue deadline passes). The ops alarm follows kind=failed (infra/constructs/monitoring.ts).
 */
export const RESCUE_METRIC = { name: 'LeadsAwaitingRescue', kindDimension: 'kind' } as const;

export const FUNNEL_DIMENSION = {
  stage: 'Stage',
  reason: 'Reason',
  teamPair: 'TeamPair',
  currency: 'currency',
} as const;

/** The TeamPair dimension value of a feedback pair, e.g. `inside-sales->marketing`. */
export const teamPairDimension = (from: string, to: string): string => `${from}->${to}`;

/** The path a won lead takes; conversion per stage is measured along it. */
export const MAIN_PATH: readonly Stage[] = ['captured', 'qualifying', 'meeting', 'negotiating', 'onboarding', 'customer', 'renewed'];

/** The headline figures and the stage whose entries each one counts. */
export const HEADLINE_STAGES = {
  leads: 'captured',
  qualified: 'qualifying',
  meetings: 'meeting',
  won: 'onboarding',
  onboarded: 'customer',
  retained: 'renewed',
} as const satisfies Record<string, Stage>;
export type HeadlineStep = keyof typeof HEADLINE_STAGES;
export const HEADLINE_ORDER: readonly HeadlineStep[] = ['leads', 'qualified', 'meetings', 'won', 'onboarded', 'retained'];

/** The stage conversion each review's hand-off feeds: what the rated work turned into. */
export const PAIR_CONVERSION: Readonly<Record<ReviewStep, readonly [Stage, Stage]>> = {
  'qualification-call': ['qualifying', 'meeting'],
  'meeting-outcome': ['meeting', 'negotiating'],
  'deal-decision': ['negotiating', 'onboarding'],
  'onboarding-review': ['onboarding', 'customer'],
  'check-in': ['customer', 'renewed'],
};

/** Every (step, from, to) pair feedback flows along, from the step definitions. */
export function feedbackPairs(): Array<{ step: ReviewStep; from: Team; to: Team }> {
  return Object.values(FEEDBACK_STEP_DEFINITIONS).flatMap((def) =>
    def.step === 'rescue' || def.askedTeam === 'ops' ? [] : def.feedbackTo.map((to) => ({ step: def.step as ReviewStep, from: def.askedTeam as Team, to })),
  );
}

