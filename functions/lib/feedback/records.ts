/**
 * The stored FEEDBACK item (one per receiving team, written by ./sharing.ts)
 * and the reply a receiving team sets on it (./replies.ts), as types, with
 * the reply statuses and their labels. Sharing, replies, pages and the digest
 * import them from here.
 */
import type { FeedbackAnswer, FeedbackStep, Team } from '#lib/core/contracts';

/** How a receiving team can answer a feedback item. */
export const REPLY_STATUSES = ['acknowledged', 'acting-on-it'] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

export const REPLY_STATUS_LABELS: Readonly<Record<ReplyStatus, string>> = {
  acknowledged: 'Acknowledged',
  'acting-on-it': 'Acting on it',
};

/** The `reply` attribute of a FEEDBACK item. */
export interface FeedbackReply {
  status: ReplyStatus;
  /** '' when none was given ("acknowledged" only). */
  note: string;
  repliedAt: string;
}

/** The stored FEEDBACK item (minus keys). */
export interface FeedbackItem {
  leadId: string;
  step: FeedbackStep;
  from: Team;
  to: Team;
  /** `<from>-><to>`, for "feedback per team pair". */
  pair: string;
  campaign?: string;
  /** Owner of the lead in the giving team. */
  owner?: string;
  /** Owner of the lead in the receiving team (lead.owners[to]), when it has one. */
  toOwner?: string;
  answer: string;
  ratings: Record<string, number>;
  details: FeedbackAnswer['details'];
  comment: string;
  answeredAt: string;
  answeredBy: FeedbackAnswer['answeredBy'];
  /** The receiving team's answer, set once from a reply link (functions/lib/feedback/replies.ts). */
  reply?: FeedbackReply;
}
