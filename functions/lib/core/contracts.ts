/**
 * What the state machine (statemachines/lead-lifecycle.asl.json) sends to each
 * Lambda and what it reads back. The ASL is the source of truth for the calls;
 * this file is the TypeScript mirror the handlers and tests share. Keep both in
 * step: test/unit/contracts.test.ts checks the ASL payload keys against these.
 *
 * Only ids and codes travel through an execution: its input is { leadId },
 * the answers it waits for come back as CodedAnswer (codes, ratings, an
 * answer id), the Lambdas return codes, ids and team members' work addresses
 * (owner, rep, csm). Personal data and free text stay in DynamoDB, where
 * erasure reaches them; execution history is kept 90 days on AWS and cannot
 * be erased.
 */

/** The four teams of The Model, plus ops who watch the machine. */
export const TEAMS = ['marketing', 'inside-sales', 'field-sales', 'customer-success'] as const;
export type Team = (typeof TEAMS)[number];

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
export const FEEDBACK_STEPS = ['qualification-call', 'meeting-outcome', 'deal-decision', 'onboarding-review', 'check-in', 'rescue'] as const;
export type FeedbackStep = (typeof FEEDBACK_STEPS)[number];
/** The review steps of the sales process (every step but 'rescue', which asks ops or a team lead to rescue a lead). */
export type ReviewStep = Exclude<FeedbackStep, 'rescue'>;

/**
 * A lead waiting for a rescue decision (step 'rescue'): `failed` after an
 * unexpected error at `step` (ops: retry the step / return to Marketing /
 * close), `stalled` after a second timeout at `step` (the asked team's lead:
 * reassign to a member and ask again / return / close).
 */
export interface RescueContext {
  kind: 'failed' | 'stalled';
  /** The ASL state name that failed or timed out. */
  step: string;
  /** Rescue decisions already taken for this lead (retries, reassignments). */
  attempts: number;
  /** The execution's ARN ($states.context.Execution.Id): the email links to its page. */
  executionArn: string;
}
export const RESCUE_ANSWERS = ['retry', 'reassign', 'return', 'close'] as const;
export type RescueAnswer = (typeof RESCUE_ANSWERS)[number];

export interface RequestFeedbackEvent {
  leadId: string;
  step: FeedbackStep;
  /** Never logged, never stored in clear outside the LINK item. */
  taskToken: string;
  /** The task's TimeoutSeconds: the link expires with it. */
  timeoutSeconds: number;
  /**
   * When the waiting state was entered (`$states.context.State.EnteredTime`,
   * ISO): the deadline is this plus timeoutSeconds, on the execution's clock.
   * Absent only from executions started before the state machine passed it.
   */
  enteredTime?: string;
  /** true after the first timeout: the request goes to the team lead. */
  escalated: boolean;
  /** meeting-outcome: no-show reschedules so far (the hand-off brief in the request says so). */
  reschedules?: number;
  /** check-in: this is the last check-in of the cycle, the renewal is due after it. */
  renewalDue?: boolean;
  /** check-in: its number, how many the cycle has, and when the renewal comes (ISO, the execution's clock: after the last check-in's interval). */
  checkIn?: { number: number; of: number; renewalAt: string };
  /** A reassignment by the team lead (rescue of a stalled lead): the member who owns the lead for this step from now on; '' for none. */
  owner?: string;
  /** rescue only: what failed or stalled, and where. */
  rescue?: RescueContext;
}
export interface RequestFeedbackResult {
  requested: true;
}

/**
 * An answer as the team gave it, free text included: recorded in DynamoDB on
 * the request's link item (`LINK#<hash>` / `LINK`, functions/lib/feedback/links.ts
 * answerLink), where erasure reaches it (the link becomes a tombstone). It
 * never travels through an execution: the state machine gets a
 * CodedAnswer, and the steps that need the text read it back
 * (functions/lib/feedback/answers.ts loadFeedbackAnswer).
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
export interface FeedbackDetails extends FeedbackCodes {
  promises?: string; // deal-decision 'won': what was promised, stored on the deal by close-deal
  /** The catalogue's other text answers, by field name. */
  [textField: string]: string | number | undefined;
}

/** The coded details of an answer: what may travel through an execution. */
export interface FeedbackCodes {
  reasonCode?: string; // read by the ASL (lost, nurture, disqualified, churned)
  amount?: number; // deal-decision 'won', read by close-deal
  currency?: string; // deal-decision 'won', read by close-deal
}

/**
 * What feedback-page sends with SendTaskSuccess, and so what the wait task's
 * $states.result is (and the `$call`, `$meeting`, `$deal`, `$review`,
 * `$checkIn` variables share-feedback, close-deal and open-expansion get):
 * ONLY CODES AND IDS. Execution history is kept 90 days on AWS and erasure
 * cannot reach it, so the comment and the free-text details stay in DynamoDB
 * with the recorded FeedbackAnswer; `answerId` says where.
 * `details.reasonCode` is read by the ASL for lost, nurture, disqualified and
 * churned outcomes (nested under `details`, as before, so executions still
 * running an earlier definition read it where they expect it).
 */
export interface CodedAnswer {
  step: FeedbackStep;
  answer: string;
  ratings: Record<string, number>;
  /** reasonCode, amount, currency: nothing else. */
  details: FeedbackCodes;
  answeredAt: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  /**
   * The recorded answer's id (the SHA-256 hex of its link id: the key of its
   * `LINK#<hash>` item, not the link itself), present when the answer has free
   * text (a comment or a text detail) to read back.
   */
  answerId?: string;
}

// ---- share-feedback -----------------------------------------------------
export interface ShareFeedbackEvent {
  leadId: string;
  step: FeedbackStep;
  from: Team;
  to: Team[];
  feedback: CodedAnswer;
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
  /** When the booked meeting ends (epoch ms), 0 when no time was booked: the meeting-outcome deadline counts from it. */
  meetingEndsMs: number;
}

// ---- close-deal ---------------------------------------------------------
export interface CloseDealEvent {
  leadId: string;
  decision: CodedAnswer; // answer 'won' | 'lost'
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
  checkIn: CodedAnswer;
}
export interface OpenExpansionResult {
  expansionLeadId: string;
}

// ---- record-outcome -----------------------------------------------------
/**
 * What record-outcome records. `closed`: ops or the team lead closed the lead
 * from a rescue request ("Close lead", before the execution ends FAILED); it
 * changes no stage (the lead stays where it was parked: needs-attention or
 * stalled) and cancels a meeting still to come.
 */
export type Outcome = 'nurture' | 'disqualified' | 'lost' | 'stalled' | 'renewed' | 'churned' | 'needs-attention' | 'closed';
export interface RecordOutcomeEvent {
  leadId: string;
  outcome: Outcome;
  /** Reason code (closed: closed-by-ops or closed-by-team-lead), or for stalled/needs-attention the state name where it happened. */
  reason: string;
  /** needs-attention only: the error name and cause from the failed state. */
  error?: string;
  cause?: string;
}
export interface RecordOutcomeResult {
  /** The lead's stage after it (absent when a closed lead is unknown). */
  stage?: Stage;
}
