/**
 * The lead's stored records as types: the profile (`LEAD#<id>` / `PROFILE`),
 * what it was created from, its deal and last failure, and a stage change
 * (`EVENT#...`). The repository that reads and writes them is ./profile.ts;
 * emails, pages and feedback import the types from here.
 */
import type { Stage, Team } from '#lib/core/contracts';

/** A won deal as recorded on the profile. */
export interface Deal {
  amount: number;
  currency: string;
  promises?: string;
  closedAt?: string;
}

/** The meeting with Field Sales, as "Schedule meeting" booked it (meetings/booking.ts). */
export interface BookedMeeting {
  /** ISO instants. */
  start: string;
  end: string;
  /** IANA zone it was booked in. */
  timeZone: string;
  /** The calendar invitation's SEQUENCE: the scheduling's number (0, then one per reschedule). */
  sequence: number;
  /** A no-show rescheduled without a new time: the invitation was cancelled. */
  cancelled?: boolean;
}

/** The last unexpected failure, recorded by record-outcome (needs-attention). */
export interface LeadFailure {
  step: string;
  error: string;
  cause: string;
  at: string;
}

/** What the lead (or Marketing) supplied, validated by capture-lead. */
export interface LeadInput {
  name: string;
  email: string;
  company: string;
  title?: string;
  phone?: string;
  country?: string;
  industry?: string;
  employees?: number;
  /** Company size band (see leads/scoring.ts COMPANY_SIZE_BANDS). */
  companySize?: string;
  budget?: string;
  timeline?: string;
  message?: string;
  /** Marketing attribution: the campaign and channel that produced the lead. */
  campaign?: string;
  source?: string;
  pagesViewed?: number;
  eventsAttended?: number;
  consent?: boolean;
  /** Where the id came from (leads/schema.ts). */
  idSource?: 'client' | 'derived';
  /** Other signals, free-form. */
  attributes?: Record<string, string | number | boolean>;
}

/** The stored profile (`LEAD#<id>` / `PROFILE`), minus key/GSI attributes. */
export interface LeadProfile extends LeadInput {
  leadId: string;
  stage: Stage;
  stageChangedAt: string;
  createdAt: string;
  updatedAt: string;
  /** The person owning the lead in each team (round-robin). */
  owners: Partial<Record<Team, string>>;
  score?: number;
  tier?: 'A' | 'B' | 'C' | 'D';
  deal?: Deal;
  /** The meeting with Field Sales (when one was booked with a time). */
  meeting?: BookedMeeting;
  /** Latest machine-readable reason (nurture, lost, churned...). */
  reason?: string;
  lastError?: LeadFailure;
  /** For expansion opportunities: the customer lead this came from. */
  expansionOf?: string;
  /** Set when the lead's personal data was erased (DELETE /leads/{id}). */
  erasedAt?: string;
  /** Number of stage events written (sequence for EVENT sort keys). */
  eventSeq?: number;
  /** The stage before the current one, and when it began (set by changeStage). */
  previousStage?: Stage;
  previousStageChangedAt?: string;
}

/** A stage change as stored in `LEAD#<id>` / `EVENT#...`. */
export interface StageEvent {
  leadId: string;
  from: Stage | null;
  to: Stage;
  reason: string;
  at: string;
  /** Milliseconds the lead spent in `from` (0 for the first event). */
  timeInPreviousStageMs: number;
}
