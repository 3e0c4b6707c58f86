/**
 * What the state machine (statemachines/lead-lifecycle.asl.json) sends to each
 * Lambda and what it reads back. The ASL is the source of truth for the calls;
 * this file is the TypeScript mirror the handlers and tests share. Keep both in
 * step: test/unit/contracts.test.ts checks the ASL payload keys against these.
 *
 * Execution input is deliberately tiny ({ leadId }): personal data stays in
 * DynamoDB, not in execution history.
 */

/** The four teams of The Model, plus ops who watch the machine. */
export const TEAMS = ['marketing', 'inside-sales', 'field-sales', 'customer-success'] as const;
export type Team = (typeof TEAMS)[number];
export type Recipient = Team | 'ops';

/** Where a lead is. Stored on the profile and indexed (GSI byStage). */
export const STAGES = [
  'captured',
  'qualifying', // scored, waiting for the Inside Sales call
  'meeting', // with Field Sales, meeting scheduled
  'negotiating', // meeting held, waiting for the deal decision
  'onboarding', // won, Customer Success onboarding
  'customer', // onboarded, periodic check-ins
  'renewed',
  'churned',
  'nurture',
  'disqualified',
  'lost',
  'stalled',
  'needs-attention',
] as const;
export type Stage = (typeof STAGES)[number];

/** The execution's input. Execution name = leadId. */
export interface LeadExecutionInput {
  leadId: string;
}

// ---- qualify-lead -------------------------------------------------------
export interface QualifyLeadEvent {
  leadId: string;
}
export type QualificationRoute = 'sales-ready' | 'nurture' | 'disqualify' | 'expansion';
export interface QualifyLeadResult {
  route: QualificationRoute;
  /** Machine-readable reason for nurture/disqualify, e.g. 'score-below-threshold'. */
  reason: string;
  score: number;
  tier: 'A' | 'B' | 'C' | 'D';
  /** Inside Sales owner's address (or team member id) chosen by round-robin. */
  owner: string;
}

// ---- request-feedback (waitForTaskToken) --------------------------------
/** The review steps that wait for a person's answer. */
export const FEEDBACK_STEPS = ['qualification-call', 'meeting-outcome', 'deal-decision', 'onboarding-review', 'check-in'] as const;
export type FeedbackStep = (typeof FEEDBACK_STEPS)[number];

export interface RequestFeedbackEvent {
  leadId: string;
  step: FeedbackStep;
  /** Never logged, never stored in clear outside the LINK item. */
  taskToken: string;
  /** The task's TimeoutSeconds: the link expires with it. */
  timeoutSeconds: number;
  /** true after the first timeout: the request goes to the team lead. */
  escalated: boolean;
  /** meeting-outcome: no-show reschedules so far (the hand-off brief in the request says so). */
  reschedules?: number;
  /** check-in: this is the last check-in of the cycle, the renewal is due after it. */
  renewalDue?: boolean;
}
export interface RequestFeedbackResult {
  requested: true;
}

/**
 * What feedback-page sends with SendTaskSuccess, and so what the wait task's
 * $states.result is. `details.reasonCode` is read by the ASL for lost,
 * nurture, disqualified and churned outcomes.
 */
export interface FeedbackAnswer {
  step: FeedbackStep;
  answer: string; // one of the step's allowed answers
  comment: string; // may be ''
  /** Structured ratings of the hand-off, 1..5, keyed by question id. */
  ratings: Record<string, number>;
  details: FeedbackDetails;
  answeredAt: string; // ISO time
  answeredBy: 'owner' | 'team-lead';
}

/**
 * The details of an answer. The fields the state machine or a Lambda reads by
 * name are typed here; every other free-text answer is declared once, as a
 * text question of the feedback catalogue (functions/lib/feedback/steps.ts),
 * and kept under its field name (e.g. `missing`, `moreOf`).
 */
export interface FeedbackDetails {
  reasonCode?: string; // read by the ASL (lost, nurture, disqualified, churned)
  amount?: number; // deal-decision 'won', read by close-deal
  currency?: string; // deal-decision 'won', read by close-deal
  promises?: string; // deal-decision 'won': what was promised, stored on the deal by close-deal
  /** The catalogue's other text answers, by field name. */
  [textField: string]: string | number | undefined;
}

// ---- share-feedback -----------------------------------------------------
export interface ShareFeedbackEvent {
  leadId: string;
  step: FeedbackStep;
  from: Team;
  to: Team[];
  feedback: FeedbackAnswer;
}
export interface ShareFeedbackResult {
  shared: number; // feedback items stored (one per receiving team)
}

// ---- schedule-meeting ---------------------------------------------------
export interface ScheduleMeetingEvent {
  leadId: string;
  reschedules: number;
}
export interface ScheduleMeetingResult {
  rep: string;
}

// ---- close-deal ---------------------------------------------------------
export interface CloseDealEvent {
  leadId: string;
  decision: FeedbackAnswer; // answer 'won' | 'lost'
}
export interface CloseDealResult {
  won: boolean;
  amount: number;
}

// ---- onboard-customer ---------------------------------------------------
export interface OnboardCustomerEvent {
  leadId: string;
}
export interface OnboardCustomerResult {
  csm: string;
}

// ---- open-expansion -----------------------------------------------------
export interface OpenExpansionEvent {
  leadId: string;
  checkIn: FeedbackAnswer;
}
export interface OpenExpansionResult {
  expansionLeadId: string;
}

// ---- record-outcome -----------------------------------------------------
export type Outcome = 'nurture' | 'disqualified' | 'lost' | 'stalled' | 'renewed' | 'churned' | 'needs-attention';
export interface RecordOutcomeEvent {
  leadId: string;
  outcome: Outcome;
  /** Reason code, or for stalled/needs-attention the state name where it happened. */
  reason: string;
  /** needs-attention only: the error name and cause from the failed state. */
  error?: string;
  cause?: string;
}
export interface RecordOutcomeResult {
  stage: Stage;
}
