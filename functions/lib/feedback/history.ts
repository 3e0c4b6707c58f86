/**
 * What a lead was answered so far: its answered feedback requests, read
 * through the link pointers in its own partition (`LEAD#<id>` / `LINK#<hash>`,
 * feedback/links.ts), oldest answer first. The answers' text (comments, notes)
 * stays in DynamoDB: steps that show it to the next team (the onboarding and
 * check-in briefs, Marketing's "lead lost" email) read it here, it never
 * travels through an execution. One Query and one GetItem per link (a lead
 * has a handful); no scans. Erased links (tombstones) hold nothing and are skipped.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import type { FeedbackAnswer, FeedbackStep } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { LEAD_LINK_SK_PREFIX, linkKey } from '#lib/core/keys';
import { leadPartitionItems } from '#lib/leads/handoff';

/** An answered request: the step, who was asked, and the whole answer. */
export interface AnsweredRequest {
  step: FeedbackStep;
  /** The address the request went to (who answered). */
  addressee: string;
  answer: FeedbackAnswer;
}

/** The lead's answered requests, oldest answer first. */
export async function answeredRequests(leadId: string): Promise<AnsweredRequest[]> {
  const found: AnsweredRequest[] = [];
  for await (const pointer of leadPartitionItems(leadId, LEAD_LINK_SK_PREFIX, { what: 'answeredRequests' })) {
    const hash = String(pointer['sk']).slice(LEAD_LINK_SK_PREFIX.length);
    let item: Record<string, unknown> | undefined;
    try {
      item = (await ddb.send(new GetCommand({ TableName: tableName(), Key: linkKey(hash) }))).Item;
    } catch (error) {
      throw asTransient(error, 'answeredRequests');
    }
    const answer = item?.['answer'] as FeedbackAnswer | undefined;
    if (item?.['type'] !== 'LINK' || item['status'] !== 'answered' || answer === undefined) continue;
    found.push({ step: item['step'] as FeedbackStep, addressee: String(item['addressee'] ?? ''), answer });
  }
  return found.sort((a, b) => a.answer.answeredAt.localeCompare(b.answer.answeredAt));
}

/** The latest answer at one of `steps`, or undefined. */
export function latestAnswer(answered: readonly AnsweredRequest[], steps: readonly FeedbackStep[]): AnsweredRequest | undefined {
  return [...answered].reverse().find((a) => steps.includes(a.step));
}
