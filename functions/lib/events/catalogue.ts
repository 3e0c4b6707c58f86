/**
 * The domain events the pipeline publishes to its EventBridge bus, declared
 * once: each event's name, version and what its detail holds. The JSON
 * Schema of each is in `schemas/events/<name>.v<version>.json`
 * (test/unit/events.test.ts checks every event built here against it;
 * docs/events.md lists them).
 *
 * Every detail carries `eventId` (deterministic: the lead id and what
 * happened, so a retried step publishes the same id; a consumer drops an id
 * it has seen) and `leadId`, and only ids and codes: personal data stays in
 * DynamoDB unless the `eventContactFields` setting names contact fields for
 * LeadCaptured.
 */
import type { FeedbackStep, Stage, Team } from '#lib/core/contracts';

/** The `source` of every event. */
export const EVENT_SOURCE = 'the-model-pipeline';

/** Each event and its detail's version: the detail-type is `<name>.v<version>`. */
export const EVENT_VERSIONS = {
  LeadCaptured: 1,
  StageChanged: 1,
  FeedbackShared: 1,
  FeedbackReplied: 1,
  DealWon: 1,
  DealLost: 1,
  CustomerChurned: 1,
  CustomerRenewed: 1,
  LeadErased: 1,
} as const;
export type EventName = keyof typeof EVENT_VERSIONS;
export const EVENT_NAMES = Object.keys(EVENT_VERSIONS) as readonly EventName[];

/** The lead fields the `eventContactFields` setting may name (LeadCaptured's `contact`). */
export const CONTACT_FIELDS = ['name', 'email', 'company', 'title', 'phone', 'country'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/** What every detail holds. */
interface Common {
  /** The same for every publication of the same happening (retries included). */
  eventId: string;
  leadId: string;
  /** When it happened (ISO 8601): the stored time, the same on a retry. */
  occurredAt: string;
}

/** The detail of each event. */
export interface EventDetails {
  LeadCaptured: Common & { campaign?: string; source?: string; expansionOf?: string; contact?: Partial<Record<ContactField, string>> };
  StageChanged: Common & { from: Stage; to: Stage; reason: string; timeInPreviousStageMs: number };
  FeedbackShared: Common & { step: FeedbackStep; from: Team; to: Team[]; answer: string; ratings: Record<string, number>; reasonCode?: string };
  FeedbackReplied: Common & { step: FeedbackStep; from: Team; to: Team; status: string };
  DealWon: Common & { amount: number; currency: string };
  DealLost: Common & { reasonCode: string };
  CustomerChurned: Common & { reasonCode: string };
  CustomerRenewed: Common;
  LeadErased: Common;
}

/** One event to publish: its name and detail. */
export type DomainEvent = { [N in EventName]: { name: N; detail: EventDetails[N] } }[EventName];

/** `StageChanged.v1`. */
export function detailType(name: EventName): string {
  return `${name}.v${EVENT_VERSIONS[name]}`;
}

/** The event id: the event's name, the lead id and what makes this happening unique for the lead. */
export function eventId(name: EventName, leadId: string, happening: string | number): string {
  return `${name}:${leadId}:${happening}`;
}

/** The file of an event's JSON Schema, relative to the repository root. */
export function schemaFile(name: EventName): string {
  return `schemas/events/${detailType(name)}.json`;
}
