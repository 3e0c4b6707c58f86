/**
 * Erasure of a lead's personal data (`DELETE /leads/{id}`, a data subject's
 * request): stop its execution, strip the profile and the free text of the
 * feedback about it (comments, details, reply notes), erase its links
 * (feedback requests with the lead as their email showed it and their
 * recorded answers, comments and text details included: the only copy of an
 * answer's text, which the execution names by its answer id but never holds,
 * feedback/answers.ts; and reply links: found through their
 * `LEAD#<id>` / `LINK#<hash>` pointers, no scan; each is replaced by a
 * tombstone, so it answers 404 and cannot be written again), keep what is
 * anonymous (stage, score, tier, deal amount, timestamps, ratings and answers
 * on the FEEDBACK items; the FUNNEL counters are never touched). Idempotent:
 * erasing twice is fine. When it is done, LeadErased is published (every
 * time, under the same event id: a request that died before publishing is
 * retried by its client).
 *
 * Order: links, profile, execution, links again. The first pass takes the
 * pages down before anything else (a request link shows its lead snapshot).
 * The second catches a link whose request-feedback read the profile before
 * it was erased: request-feedback writes the link's pointer before that read
 * (feedback/links.ts reserveLink), so the pointer is there by now; if its link item
 * comes after this pass, the tombstone makes that write fail. After the
 * erasure returns, no link of the lead shows anything.
 *
 * Execution history (90 days on AWS) cannot be erased, so nothing personal
 * goes into it: the execution's input is `{ leadId }` and answers travel as
 * codes (contracts.ts CodedAnswer). The erased lead's id stays spent: the
 * same person submitting again becomes a new lead under the id's next
 * generation (leads/capture.ts).
 */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { leadErasedEvent } from '#lib/events/lead-events';
import { publishEvents } from '#lib/events/publish';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, sfn, tableName } from '#lib/aws/clients';
import { NotFound, asTransient, errorName, isConditionalCheckFailed } from '#lib/core/errors';
import { executionArnFor, stateMachineArn } from './executions';
import { FEEDBACK_SK_PREFIX, LEAD_LINK_SK_PREFIX, leadKey, leadPk } from '#lib/core/keys';
import { eraseLink, keepUntil } from '#lib/feedback/links';
import { FEEDBACK_STEP_DEFINITIONS, type FeedbackCatalogue, personalDetailFields } from '#lib/feedback/steps';

/** What an erased profile shows instead of the name and company. */
const ERASED = '(erased)';

/** Profile attributes removed (personal data, free text; top-level only: REMOVE of a missing nested path fails). */
const PROFILE_REMOVE = ['email', 'phone', 'title', 'message', 'lastError'];

/**
 * Feedback free text that may quote the person (the catalogue's text
 * questions declared `personal`): removed from every FEEDBACK item of the lead.
 */
export function feedbackTextPaths(catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): string[] {
  return personalDetailFields(catalogue).map((field) => `details.${field}`);
}

interface ErasureResult {
  leadId: string;
  /** false when the lead had already been erased. */
  erased: boolean;
  executionStopped: boolean;
  feedbackItemsCleaned: number;
  /** Feedback request and reply links deleted (with the answers and comments they held). */
  linksDeleted: number;
}

function names(paths: readonly string[]): { expr: string[]; names: Record<string, string> } {
  const out: Record<string, string> = {};
  const expr = paths.map((p) =>
    p
      .split('.')
      .map((part) => {
        const key = `#${part.replace(/[^A-Za-z0-9]/g, '')}`;
        out[key] = part;
        return key;
      })
      .join('.'),
  );
  return { expr, names: out };
}

/** Every item of the lead's partition whose sort key starts with `prefix`, page by page. */
async function* leadItems(leadId: string, prefix: string): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': leadPk(leadId), ':prefix': prefix },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function stopExecution(leadId: string): Promise<boolean> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnFor(stateMachineArn(), leadId), error: 'Lead.Erased', cause: 'The lead was erased on request.' }));
    return true;
  } catch (error) {
    if (['ExecutionDoesNotExist', 'ExecutionNotRunning'].includes(errorName(error))) return false;
    throw asTransient(error, 'StopExecution');
  }
}

/** Replaces each link of the lead with a tombstone (same expiry), then drops its pointer; returns how many. */
async function eraseLinks(leadId: string, now: Date): Promise<number> {
  let erased = 0;
  for await (const pointer of leadItems(leadId, LEAD_LINK_SK_PREFIX)) {
    const expiresAt = typeof pointer.expiresAt === 'number' ? pointer.expiresAt : keepUntil(now.getTime());
    await eraseLink(String(pointer.sk).slice(LEAD_LINK_SK_PREFIX.length), expiresAt);
    await ddb.send(new DeleteCommand({ TableName: tableName(), Key: { pk: pointer.pk, sk: pointer.sk } }));
    erased += 1;
  }
  return erased;
}

/** Erases the lead; NotFound when there is no such lead. `catalogue` says which feedback details are personal. */
export async function eraseLead(leadId: string, now: Date = new Date(), catalogue: FeedbackCatalogue = FEEDBACK_STEP_DEFINITIONS): Promise<ErasureResult> {
  // Its links first (the answered ones hold the team's answer and comment; every request link, the lead as its email showed it).
  let linksDeleted = await eraseLinks(leadId, now);
  // Then the profile: from here on nothing reads the lead's personal data from it.
  const removed = names(PROFILE_REMOVE);
  let erased = true;
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: leadKey(leadId),
        UpdateExpression: `SET #name = :erased, #company = :erased, erasedAt = :now REMOVE ${removed.expr.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(erasedAt)',
        ExpressionAttributeNames: { '#name': 'name', '#company': 'company', ...removed.names },
        ExpressionAttributeValues: { ':erased': ERASED, ':now': now.toISOString() },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'eraseLead');
    erased = false;
  }
  // What was promised to the customer (free text) goes too; the deal amount stays (revenue).
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: leadKey(leadId),
        UpdateExpression: 'REMOVE #deal.#promises',
        ConditionExpression: 'attribute_exists(#deal.#promises)',
        ExpressionAttributeNames: { '#deal': 'deal', '#promises': 'promises' },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw asTransient(error, 'eraseLead');
  }
  let erasedAt = now.toISOString();
  if (!erased) {
    const exists = await ddb.send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': leadPk(leadId), ':sk': 'PROFILE' } }));
    const profile = exists.Items?.[0];
    if (profile === undefined) throw new NotFound('lead not found', { leadId });
    if (typeof profile.erasedAt === 'string') erasedAt = profile.erasedAt;
  }
  const executionStopped = await stopExecution(leadId);
  // Links again: one whose request-feedback read the profile before it was erased (see the order above).
  linksDeleted += await eraseLinks(leadId, now);
  // Feedback about the lead: keep answers and ratings, drop the free text (and the note of a reply to it).
  let feedbackItemsCleaned = 0;
  const text = names(feedbackTextPaths(catalogue));
  const removeText = text.expr.length > 0 ? ` REMOVE ${text.expr.join(', ')}` : '';
  for await (const item of leadItems(leadId, FEEDBACK_SK_PREFIX)) {
    const replied = typeof item.reply === 'object' && item.reply !== null && 'note' in item.reply;
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: `SET #comment = :empty${replied ? ', #reply.#note = :empty' : ''}${removeText}`,
        ExpressionAttributeNames: { '#comment': 'comment', ...(replied ? { '#reply': 'reply', '#note': 'note' } : {}), ...text.names },
        ExpressionAttributeValues: { ':empty': '' },
      }),
    );
    feedbackItemsCleaned += 1;
  }
  await publishEvents([leadErasedEvent(leadId, erasedAt)]);
  return { leadId, erased, executionStopped, feedbackItemsCleaned, linksDeleted };
}
