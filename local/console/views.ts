/**
 * The console pages' view models: plain data that local/console/data.ts
 * reads from the engine and the table, and the pages render.
 */
import type { OutboxAttachment } from '../outbox';
import type { GoalProgress } from '#lib/funnel/goal';
import type { Inspection } from './history';

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** The executions list's quick filters (besides search and stage): a status, or what needs ops. */
export const EXECUTION_FILTERS = [
  ['running', 'Running'],
  ['needs-attention', 'Needs attention'],
  ['stalled', 'Stalled'],
  ['escalated', 'Escalated'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['timed-out', 'Timed out'],
  ['aborted', 'Stopped'],
] as const;
export type ExecutionFilter = (typeof EXECUTION_FILTERS)[number][0];

/** What a running execution waits for, from whom, until when. */
export interface WaitView {
  state: string;
  /** A person's answer (a task token) or time (a Wait state). */
  kind: 'answer' | 'wait';
  /** Who was asked (the request's addressee). */
  who?: string;
  escalated: boolean;
  /** When the task times out or the Wait ends, in execution time. */
  due?: Date;
  /** `due` from the execution's now: "in 4 hours", "2 hours overdue". */
  dueText?: string;
}

export interface ExecutionRow {
  name: string; // the lead id
  status: string;
  currentState?: string;
  stage?: string;
  startDate: Date;
  stopDate?: Date;
  /** The lead as ops know it (shown on the console, never logged). */
  leadName?: string;
  company?: string;
  /** Searched, not shown in the list. */
  email?: string;
  owner?: string;
  waiting?: WaitView;
}

export interface HistoryRow {
  id: number;
  previousEventId: number;
  type: string;
  stateName?: string;
  timestamp: Date;
  /** A short, non-sensitive detail (error name, resource); never inputs or tokens. */
  detail?: string;
}

export interface ExecutionView {
  name: string;
  executionArn: string;
  stateMachineArn: string;
  status: string;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  currentStates: string[];
  /** States entered in order. */
  path: string[];
  failedState?: string;
  /** Every state whose latest attempt failed (caught or not), and the Fail state it ended in. */
  failedStates?: string[];
  waiting?: WaitView;
  /** What `?event=N` or `?state=Name` selected: its input, output and variables. */
  inspection?: Inspection;
  /** The buttons: the rescue request's answers while the lead waits in "Await rescue decision", and stop while it runs. */
  actions?: ExecutionActions;
  definition: unknown;
  history: HistoryRow[];
  lead?: LeadCard;
  /** The lead's stage changes (its audit trail), oldest first. */
  stageEvents?: StageEventRow[];
}

export interface ExecutionActions {
  rescue?: {
    /** The answers the request offers, with what happens next. */
    answers: { value: string; label: string; next: string }[];
    /** The members a stalled lead can be reassigned to. */
    members: { value: string; label: string }[];
    /** Who the request went to (the console answers for them). */
    addressee: string;
  };
  canStop: boolean;
  /** A refused action: the message beside its field, the values kept. */
  problem?: { field: string; message: string; values: Record<string, string> };
}

export interface StageEventRow {
  at: string;
  from: string | null;
  to: string;
  reason: string;
  timeInPreviousStageMs: number;
}

export interface LeadCard {
  leadId: string;
  /** What ops recognise the lead by: company and person. */
  label: string;
  stage: string;
  stageChangedAt?: string;
  facts: [string, string][];
}

export interface StageColumn {
  stage: string;
  leads: LeadCard[];
}

export interface FunnelStageRow {
  stage: string;
  current: number;
  entered: number;
  exited: number;
  /** Share of those who left for the next main-path stage, 0..1; null when not applicable. */
  conversion: number | null;
  /** Mean time in the stage of those who left it, ms; null when nobody left yet. */
  avgTimeMs: number | null;
  /** Median (from GET /funnel's histogram), ms; null when nobody left yet. */
  medianTimeMs: number | null;
  /** Top reasons for leaving the stage for an outcome. */
  reasons: { outcome: string; reason: string; count: number; nurtureWorthy: boolean }[];
  /** Left for a nurture-worthy reason: back to Marketing's nurture. */
  backToMarketing: number;
}

/** The headline figures in order, with their labels. */
export const FUNNEL_HEADLINE = [
  ['leads', 'Leads'],
  ['qualified', 'Qualified'],
  ['meetings', 'Meetings'],
  ['won', 'Won'],
  ['onboarded', 'Onboarded'],
  ['retained', 'Retained'],
  ['expanded', 'Expanded'],
] as const;

export interface FunnelHeadlineCell {
  step: string;
  label: string;
  value: number;
  /** Over the figure before it (expanded: over onboarded); null for leads or when undefined. */
  conversion: number | null;
}

export interface FunnelSegment {
  name: string;
  team?: string;
  headline: FunnelHeadlineCell[];
  revenue: { currency: string; amount: number; deals: number }[];
}

export interface FunnelView {
  headline: FunnelHeadlineCell[];
  stages: FunnelStageRow[];
  /** Overall conversion figures (0..1) by name. */
  overall: [string, number][];
  revenue: { currency: string; amount: number; deals: number }[];
  campaigns: FunnelSegment[];
  owners: FunnelSegment[];
  pairs: {
    step: string;
    from: string;
    to: string;
    count: number;
    averageRating: number | null;
    ratings: [string, number][];
    conversion: { from: string; to: string; rate: number | null };
    weeks: { week: string; count: number; averageRating: number | null; conversion: number | null }[];
  }[];
  nurtureWorthyReasons: string[];
  generatedAt?: string;
  /** The shared revenue goal's progress (GET /funnel's `goal`), when a goal is set. */
  goal?: GoalProgress;
}

export interface FeedbackItem {
  leadId: string;
  fromTeam: string;
  toTeam: string;
  step: string;
  answer: string;
  comment: string;
  ratings: [string, number][];
  /** Details meant for this team (what was missing, difficulties, reason...). */
  details: [string, string][];
  campaign?: string;
  answeredBy?: string;
  at: string;
  /** The receiving team's reply (reply link), if it answered. */
  reply?: { status: string; note: string; repliedAt: string };
}

export interface TeamFeedback {
  team: string;
  items: FeedbackItem[];
}

export interface OutboxItem {
  id: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  /** The HTML part, as sent (the console page shows its source, escaped; GET /local/outbox gives it). */
  html?: string;
  /** File name, content type and content of each attachment (a meeting's .ics). */
  attachments?: OutboxAttachment[];
  links: string[];
  sentAt: string;
}

export interface Links {
  sfnEndpoint?: string;
  mailViewer?: string;
  dynamodb?: string;
  /** Reload the page every n seconds (meta refresh, no script). */
  refreshSeconds?: number;
  /** The page's own path and query without `refresh`, for the auto-refresh toggle. */
  self?: string;
}
