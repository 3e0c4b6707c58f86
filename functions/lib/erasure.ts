/**
 * Erasure of a lead's personal data (`DELETE /leads/{id}`, a data subject's
 * request): stop its execution, strip the profile and the free text of the
 * feedback about it, keep what is anonymous (stage, score, tier, deal
 * amount, timestamps, ratings and answers; the FUNNEL counters are never
 * touched). Its feedback links stop working: the pages of a lead marked
 * erased answer 410 (feedback-service), and its tasks are gone with the
 * stopped execution. Idempotent: erasing twice is fine.
 */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, sfn, tableName } from './clients';
import { NotFound, asTransient, errorName, isConditionalCheckFailed } from './errors';
import { executionArnFor, stateMachineArn } from './executions';
import { FEEDBACK_SK_PREFIX, leadKey, leadPk } from './keys';

/** What an erased profile shows instead of the name and company. */
export const ERASED = '(erased)';

/** Profile attributes removed (personal data, free text; top-level only: REMOVE of a missing nested path fails). */
const PROFILE_REMOVE = ['email', 'phone', 'title', 'message', 'lastError'];
/** Feedback free text (may quote the person): removed from every FEEDBACK item of the lead. */
const FEEDBACK_TEXT = ['details.promises', 'details.missing', 'details.moreOf', 'details.difficulties', 'details.unkeptPromises'];

export interface ErasureResult {
  leadId: string;
  /** false when the lead had already been erased. */
  erased: boolean;
  executionStopped: boolean;
  feedbackItemsCleaned: number;
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

async function stopExecution(leadId: string): Promise<boolean> {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnFor(stateMachineArn(), leadId), error: 'Lead.Erased', cause: 'The lead was erased on request.' }));
    return true;
  } catch (error) {
    if (['ExecutionDoesNotExist', 'ExecutionNotRunning'].includes(errorName(error))) return false;
    throw asTransient(error, 'StopExecution');
  }
}

/** Erases the lead; NotFound when there is no such lead. */
export async function eraseLead(leadId: string, now: Date = new Date()): Promise<ErasureResult> {
  // The profile first: from here on the lead's pages and links show nothing personal.
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
  if (!erased) {
    const exists = await ddb.send(new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': leadPk(leadId), ':sk': 'PROFILE' } }));
    if ((exists.Items ?? []).length === 0) throw new NotFound('lead not found', { leadId });
  }
  const executionStopped = await stopExecution(leadId);
  // Feedback about the lead: keep answers and ratings, drop the free text.
  let feedbackItemsCleaned = 0;
  let startKey: Record<string, unknown> | undefined;
  const text = names(FEEDBACK_TEXT);
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :fb)',
        ExpressionAttributeValues: { ':pk': leadPk(leadId), ':fb': FEEDBACK_SK_PREFIX },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      await ddb.send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET #comment = :empty REMOVE ${text.expr.join(', ')}`,
          ExpressionAttributeNames: { '#comment': 'comment', ...text.names },
          ExpressionAttributeValues: { ':empty': '' },
        }),
      );
      feedbackItemsCleaned += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { leadId, erased, executionStopped, feedbackItemsCleaned };
}
