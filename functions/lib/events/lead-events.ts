/**
 * The domain events of a lead's own happenings, built from what the
 * repositories store: its capture, each stage change (and what a change
 * means: a deal won or lost, a customer churned or renewed), a feedback
 * shared or replied to, its erasure. Ids and codes only; LeadCaptured adds
 * the contact fields the `eventContactFields` setting names.
 */
import type { FeedbackStep, Team } from '#lib/core/contracts';
import { setting } from '#lib/aws/settings';
import type { LeadProfile, StageEvent } from '#lib/leads/records';
import { eventId, type ContactField, type DomainEvent } from './catalogue';

/** LeadCaptured, the first event of a lead (its stage change to `captured`). */
export function leadCapturedEvent(lead: LeadProfile, fields: readonly ContactField[] = setting('eventContactFields')): DomainEvent {
  const contact = Object.fromEntries(fields.flatMap((f) => (typeof lead[f] === 'string' && lead[f] !== '' ? [[f, lead[f]]] : [])));
  return {
    name: 'LeadCaptured',
    detail: {
      eventId: eventId('LeadCaptured', lead.leadId, 1),
      leadId: lead.leadId,
      occurredAt: lead.createdAt,
      ...(lead.campaign !== undefined ? { campaign: lead.campaign } : {}),
      ...(lead.source !== undefined ? { source: lead.source } : {}),
      ...(lead.expansionOf !== undefined && lead.expansionOf !== '' ? { expansionOf: lead.expansionOf } : {}),
      ...(Object.keys(contact).length > 0 ? { contact } : {}),
    },
  };
}

/**
 * The events of a stage change (the lead's `seq`-th event): StageChanged,
 * and with it DealWon (into onboarding, won, with its revenue), DealLost,
 * CustomerChurned or CustomerRenewed. The first event, into `captured`, is
 * LeadCaptured instead (leadCapturedEvent).
 */
export function stageChangeEvents(change: StageEvent & { from: NonNullable<StageEvent['from']> }, seq: number, revenue?: { amount: number; currency: string }): DomainEvent[] {
  const common = (name: DomainEvent['name']) => ({ eventId: eventId(name, change.leadId, seq), leadId: change.leadId, occurredAt: change.at });
  const events: DomainEvent[] = [
    {
      name: 'StageChanged',
      detail: { ...common('StageChanged'), from: change.from, to: change.to, reason: change.reason, timeInPreviousStageMs: change.timeInPreviousStageMs },
    },
  ];
  if (change.to === 'onboarding' && change.reason === 'won' && revenue !== undefined) {
    events.push({ name: 'DealWon', detail: { ...common('DealWon'), amount: revenue.amount, currency: revenue.currency } });
  }
  if (change.to === 'lost') events.push({ name: 'DealLost', detail: { ...common('DealLost'), reasonCode: change.reason } });
  if (change.to === 'churned') events.push({ name: 'CustomerChurned', detail: { ...common('CustomerChurned'), reasonCode: change.reason } });
  if (change.to === 'renewed') events.push({ name: 'CustomerRenewed', detail: common('CustomerRenewed') });
  return events;
}

/** FeedbackShared: one review's feedback stored for the teams it concerns (codes and ratings; no comment or text answer). */
export function feedbackSharedEvent(
  leadId: string,
  review: { step: FeedbackStep; from: Team; to: readonly Team[]; answer: string; ratings: Readonly<Record<string, number>>; reasonCode?: string; answeredAt: string },
): DomainEvent {
  return {
    name: 'FeedbackShared',
    detail: {
      eventId: eventId('FeedbackShared', leadId, `${review.step}:${review.answeredAt}`),
      leadId,
      occurredAt: review.answeredAt,
      step: review.step,
      from: review.from,
      to: [...new Set(review.to)],
      answer: review.answer,
      ratings: { ...review.ratings },
      ...(review.reasonCode !== undefined && review.reasonCode !== '' ? { reasonCode: review.reasonCode } : {}),
    },
  };
}

/** FeedbackReplied: the receiving team's reply status to one stored feedback (the note stays in DynamoDB). */
export function feedbackRepliedEvent(
  leadId: string,
  feedback: { sk: string; step: FeedbackStep; from: Team; to: Team },
  reply: { status: string; repliedAt: string },
): DomainEvent {
  return {
    name: 'FeedbackReplied',
    detail: {
      eventId: eventId('FeedbackReplied', leadId, feedback.sk),
      leadId,
      occurredAt: reply.repliedAt,
      step: feedback.step,
      from: feedback.from,
      to: feedback.to,
      status: reply.status,
    },
  };
}

/** LeadErased: the lead's personal data is gone (its id and codes stay). */
export function leadErasedEvent(leadId: string, erasedAt: string): DomainEvent {
  return { name: 'LeadErased', detail: { eventId: eventId('LeadErased', leadId, 1), leadId, occurredAt: erasedAt } };
}
