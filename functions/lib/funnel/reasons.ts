/**
 * Reason codes of the leads that leave the funnel (nurture, disqualified,
 * lost, churned), and which of them Marketing should nurture again.
 *
 * The codes come from the review forms (feedback/steps.ts: qualification,
 * no-fit, lost and churn reasons), from scoring (leads/scoring.ts RouteReason) and
 * from the state machine ('no-show' after the last reschedule).
 */
import type { Stage } from '#lib/core/contracts';
import { FEEDBACK_STEP_DEFINITIONS } from '#lib/feedback/steps';

/** The stages a lead ends in with a reason code. */
export const OUTCOME_STAGES: readonly Stage[] = ['nurture', 'disqualified', 'lost', 'churned', 'stalled', 'needs-attention'];

/**
 * Reasons that mean "not now" rather than "never": timing, budget, not
 * ready. A lead lost or a customer churned for one of these goes back to
 * Marketing to be nurtured again (a win-back for a churned customer).
 */
export const NURTURE_WORTHY_REASONS: readonly string[] = [
  'not-ready-to-buy', // qualification call
  'bad-timing', // qualification call, no fit
  'timing', // lost deal
  'timeline-too-far', // scoring
  'no-budget', // qualification call, no fit, scoring
  'budget-cut', // lost deal, churn
  'no-decision', // lost deal: the buyer did not decide yet
];

export function isNurtureWorthy(reason: string | undefined): boolean {
  return reason !== undefined && NURTURE_WORTHY_REASONS.includes(reason);
}

/** Reason codes the review forms offer, plus scoring's and the state machine's: a bounded set. */
const KNOWN_REASONS: ReadonlySet<string> = new Set([
  ...Object.values(FEEDBACK_STEP_DEFINITIONS).flatMap((def) => def.details.flatMap((d) => (d.options ?? []).map((o) => o.value))),
  'no-show',
  'no-consent',
  'student-or-personal',
  'poor-fit',
  'score-below-minimum',
  'fit-below-sales-ready',
  'engagement-too-low',
  'no-budget',
  'timeline-too-far',
  'score-below-threshold',
  'churned',
]);

/** A reason as a metric dimension value: known codes as they are, anything else 'other' (bounded cardinality). */
export function reasonDimension(reason: string): string {
  return KNOWN_REASONS.has(reason) ? reason : 'other';
}
