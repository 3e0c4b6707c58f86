/**
 * What a team learned, read back for the next hand-off: the latest feedback
 * a lead received at a step (`LEAD#<id>` / `FEEDBACK#<ISO>#<step>#<to team>`,
 * written by share-feedback). A Query on the lead's own partition, newest
 * first; no scans.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '#lib/aws/clients';
import { items } from '#lib/aws/paginate';
import type { FeedbackStep } from '#lib/core/contracts';
import { asTransient } from '#lib/core/errors';
import { FEEDBACK_SK_PREFIX, leadPk } from '#lib/core/keys';
import * as z from '#lib/core/zod';

/** The parts of a FeedbackAnswer a brief shows; tolerant of older or partial items. */
const learnedSchema = z.object({
  answer: z.string().check(z.maxLength(100)),
  comment: z.optional(z.string().check(z.maxLength(10_000))),
  ratings: z.optional(z.record(z.string(), z.number())),
  details: z.optional(z.record(z.string(), z.union([z.string(), z.number()]))),
  answeredAt: z.optional(z.string()),
  answeredBy: z.optional(z.string()),
});
export type Learned = z.infer<typeof learnedSchema>;

/** The step of a feedback sort key `FEEDBACK#<ISO>#<step>#<to>`, or undefined. */
export function stepOfFeedbackSk(sk: unknown): string | undefined {
  if (typeof sk !== 'string' || !sk.startsWith(FEEDBACK_SK_PREFIX)) return undefined;
  const parts = sk.split('#');
  return parts.length >= 4 ? parts[parts.length - 2] : undefined;
}

function learnedFrom(item: Record<string, unknown>): Learned | undefined {
  for (const candidate of [item['feedback'], item]) {
    const parsed = learnedSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/**
 * The items of the lead's partition whose sort key starts with `prefix`, page
 * by page (a Query on its own partition, no scan); newest first when asked
 * (sort keys that start with a time).
 */
export function leadPartitionItems(leadId: string, prefix: string, options: { newestFirst?: boolean; what: string }): AsyncGenerator<Record<string, unknown>> {
  return items(async (ExclusiveStartKey: Record<string, unknown> | undefined) => {
    try {
      return await ddb.send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': leadPk(leadId), ':prefix': prefix },
          ...(options.newestFirst === true ? { ScanIndexForward: false } : {}),
          ExclusiveStartKey,
        }),
      );
    } catch (error) {
      throw asTransient(error, options.what);
    }
  });
}

/** The newest feedback stored for `step` on the lead, or undefined. */
export async function latestFeedback(leadId: string, step: FeedbackStep): Promise<Learned | undefined> {
  // Newest first, one page at a time: stops reading at the first match.
  for await (const item of leadPartitionItems(leadId, FEEDBACK_SK_PREFIX, { newestFirst: true, what: 'latestFeedback' })) {
    if (stepOfFeedbackSk(item['sk']) !== step) continue;
    const learned = learnedFrom(item);
    if (learned) return learned;
  }
  return undefined;
}
