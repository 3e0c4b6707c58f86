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
  byTime: 'byTime',
} as const;

/** Each GSI's key attribute names (what a Query's KeyConditionExpression names). */
export const INDEX_KEY = {
  byStage: { pk: 'gsi1pk', sk: 'gsi1sk' },
  byTeamFeedback: { pk: 'gsi2pk', sk: 'gsi2sk' },
  byReminderDue: { pk: 'gsi3pk', sk: 'gsi3sk' },
  byTime: { pk: 'gsi4pk', sk: 'gsi4sk' },
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

/**
 * The team roster (teams/roster.ts), one partition read with one Query:
 * `ROSTER` / `TEAM#<team>` (its lead; present once the team is seeded) and
 * `ROSTER` / `TEAM#<team>#MEMBER#<email>` (one per member).
 */
export const ROSTER_PK = 'ROSTER';
export const rosterTeamKey = (team: string): TableKey => ({ pk: ROSTER_PK, sk: `TEAM#${team}` });
export const rosterMemberKey = (team: string, email: string): TableKey => ({ pk: ROSTER_PK, sk: `TEAM#${team}#MEMBER#${email}` });
/** `ROSTER#CHANGE` / `<ISO>#<id>`: one per roster change (who, when, what), newest last. */
export const ROSTER_CHANGE_PK = 'ROSTER#CHANGE';
export const rosterChangeKey = (at: string, id: string): TableKey => ({ pk: ROSTER_CHANGE_PK, sk: `${at}#${id}` });
/** `ASSIGNEE#<email>` / `LINK#<sha256 hex>`: a request link's addressee, so a member's open requests are one Query (reassignment). */
export const ASSIGNEE_LINK_SK_PREFIX = 'LINK#';
export const assigneePk = (email: string): string => `ASSIGNEE#${email.toLowerCase()}`;
export const assigneeLinkKey = (email: string, hash: string): TableKey => ({ pk: assigneePk(email), sk: `${ASSIGNEE_LINK_SK_PREFIX}${hash}` });

/** `MAIL#<idempotency key>` / `MAIL`. */
export const mailKey = (idempotencyKey: string): TableKey => ({ pk: `MAIL#${idempotencyKey}`, sk: 'MAIL' });

/** `WEBHOOK#<sha256 of a signature>` / `SIGNATURE`: a webhook signature already used (refused if seen again before `expiresAt`). */
export const webhookSignatureKey = (signatureHash: string): TableKey => ({ pk: `WEBHOOK#${signatureHash}`, sk: 'SIGNATURE' });

/** `FUNNEL` / `STAGE#<stage>`: counters `entered`, `exited`, `timeInStageMs`, `revenue`. */
export const funnelKey = (stage: Stage): TableKey => ({ pk: 'FUNNEL', sk: `STAGE#${stage}` });
export const FUNNEL_PK = 'FUNNEL';

/** `FUNNEL` / `OVERDUE`: requests that went unanswered past their deadline, per owner (funnel/activity.ts). */
export const funnelOverdueKey = (): TableKey => ({ pk: FUNNEL_PK, sk: 'OVERDUE' });

/** `LEAD#<id>` / `OVERDUE#<request id>`: a request its owner let pass its deadline (escalated to the team lead). */
export const overdueKey = (leadId: string, requestId: string): TableKey => ({ pk: leadPk(leadId), sk: `OVERDUE#${requestId}` });

/**
 * GSI byTime attributes (sparse) of what the funnel counts: bucket by UTC
 * month of `at`; `id` makes the sort key unique (`<leadId>#<seq>`).
 */
export const activityIndex = (at: string, id: string) => ({
  gsi4pk: activityBucket(at),
  gsi4sk: `${at}#${id}`,
});
/** `ACTIVITY#YYYY-MM` for an ISO time. */
export const activityBucket = (isoTime: string): string => `ACTIVITY#${isoTime.slice(0, 7)}`;

/** The byTime buckets [from, to) spans, oldest first. */
export function activityBuckets(from: string, to: string): string[] {
  const out: string[] = [];
  const end = to.slice(0, 7);
  let [y, m] = from.slice(0, 7).split('-').map(Number) as [number, number];
  for (let month = `${y}-${String(m).padStart(2, '0')}`; month <= end; month = `${y}-${String(m).padStart(2, '0')}`) {
    out.push(`ACTIVITY#${month}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** `SETTING#<name>` / `SETTING`: a setting changed through the API (the revenue goal), read over its deployed default. */
export const settingKey = (name: string): TableKey => ({ pk: `SETTING#${name}`, sk: 'SETTING' });
