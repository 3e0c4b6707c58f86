/**
 * Key builders for the single table (layout: docs/architecture.md). Every pk/sk and
 * GSI key attribute in the code comes from here.
 */
import type { FeedbackStep, Stage, Team } from './contracts';

/** GSI names (attribute names `gsi1pk/gsi1sk`, `gsi2pk/gsi2sk`, `gsi3pk/gsi3sk`). */
export const INDEX = {
  byStage: 'byStage',
  byTeamFeedback: 'byTeamFeedback',
  byReminderDue: 'byReminderDue',
} as const;

/** Each GSI's key attribute names (what a Query's KeyConditionExpression names). */
export const INDEX_KEY = {
  byStage: { pk: 'gsi1pk', sk: 'gsi1sk' },
  byTeamFeedback: { pk: 'gsi2pk', sk: 'gsi2sk' },
  byReminderDue: { pk: 'gsi3pk', sk: 'gsi3sk' },
} as const satisfies Record<keyof typeof INDEX, { pk: string; sk: string }>;

interface TableKey {
  pk: string;
  sk: string;
}

export const LEAD_PK_PREFIX = 'LEAD#';
export const leadPk = (leadId: string): string => `${LEAD_PK_PREFIX}${leadId}`;
/** The lead id of a `LEAD#<id>` pk (a pk without the prefix comes back as it is). */
export const leadIdOfPk = (pk: string): string => (pk.startsWith(LEAD_PK_PREFIX) ? pk.slice(LEAD_PK_PREFIX.length) : pk);

export const PROFILE_SK = 'PROFILE';
/** `LEAD#<id>` / `PROFILE`. */
export const leadKey = (leadId: string): TableKey => ({ pk: leadPk(leadId), sk: PROFILE_SK });

/** GSI byStage attributes for a profile. */
export const stageIndex = (stage: Stage, stageChangedAt: string, leadId: string) => ({
  gsi1pk: `STAGE#${stage}`,
  gsi1sk: `${stageChangedAt}#${leadId}`,
});
export const stageGsiPk = (stage: Stage): string => `STAGE#${stage}`;

/** `LEAD#<id>` / `EVENT#<ISO>#<n>` (n zero-padded so events sort). */
export const eventKey = (leadId: string, at: string, n: number): TableKey => ({
  pk: leadPk(leadId),
  sk: `EVENT#${at}#${String(n).padStart(6, '0')}`,
});
export const EVENT_SK_PREFIX = 'EVENT#';

/** `LEAD#<id>` / `FEEDBACK#<ISO>#<step>#<to team>`. */
export const feedbackKey = (leadId: string, at: string, step: FeedbackStep, to: Team): TableKey => ({
  pk: leadPk(leadId),
  sk: `FEEDBACK#${at}#${step}#${to}`,
});
export const FEEDBACK_SK_PREFIX = 'FEEDBACK#';

/** GSI byTeamFeedback attributes for a feedback item. */
export const teamFeedbackIndex = (to: Team, at: string, leadId: string) => ({
  gsi2pk: `FEEDBACK#${to}`,
  gsi2sk: `${at}#${leadId}`,
});
export const teamFeedbackGsiPk = (to: Team): string => `FEEDBACK#${to}`;

/** `LINK#<sha256 hex of the link id>` / `LINK`. */
export const linkKey = (hash: string): TableKey => ({ pk: `${LINK_PK_PREFIX}${hash}`, sk: 'LINK' });
export const LINK_PK_PREFIX = 'LINK#';

/**
 * `LEAD#<id>` / `LINK#<sha256 hex>`: points a lead at each of its links (same expiry), so erasure finds
 * them with one Query of the lead's partition, no scan.
 */
export const leadLinkKey = (leadId: string, hash: string): TableKey => ({ pk: leadPk(leadId), sk: `${LEAD_LINK_SK_PREFIX}${hash}` });
export const LEAD_LINK_SK_PREFIX = 'LINK#';

/** GSI byReminderDue attributes (sparse): bucket by UTC day of remindAt. */
export const reminderIndex = (remindAt: string, hash: string) => ({
  gsi3pk: reminderBucket(remindAt),
  gsi3sk: `${remindAt}#${hash}`,
});
/** `REMIND#YYYY-MM-DD` for an ISO time. */
export const reminderBucket = (isoTime: string): string => `REMIND#${isoTime.slice(0, 10)}`;

/** `ROUTING#<team>` / `COUNTER`: round-robin position (atomic ADD). */
export const routingKey = (team: Team): TableKey => ({ pk: `ROUTING#${team}`, sk: 'COUNTER' });

/** `MAIL#<idempotency key>` / `MAIL`. */
export const mailKey = (idempotencyKey: string): TableKey => ({ pk: `MAIL#${idempotencyKey}`, sk: 'MAIL' });

/** `FUNNEL` / `STAGE#<stage>`: counters `entered`, `exited`, `timeInStageMs`, `revenue`. */
export const funnelKey = (stage: Stage): TableKey => ({ pk: 'FUNNEL', sk: `STAGE#${stage}` });
export const FUNNEL_PK = 'FUNNEL';
