/**
 * Revenue won, per currency: `FUNNEL` / `REVENUE#<currency>` with `amount`
 * and `deals` (atomic ADD). Amounts in different currencies are never added
 * together. Counted once per lead: a `LEAD#<id>` / `REVENUE` marker is
 * written first (conditional), and only the call that creates it adds to the
 * counter, so a retried close-deal does not count twice. (Without
 * transactions, a crash between the two writes loses that one deal from the
 * aggregate; the deal itself stays on the lead profile.)
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from './clients';
import { asTransient, isConditionalCheckFailed } from './errors';
import { FUNNEL_PK, leadPk } from './keys';

export const REVENUE_SK_PREFIX = 'REVENUE#';
export const revenueKey = (currency: string) => ({ pk: FUNNEL_PK, sk: `${REVENUE_SK_PREFIX}${currency}` });
export const revenueMarkerKey = (leadId: string) => ({ pk: leadPk(leadId), sk: 'REVENUE' });

/** Adds a won deal to the revenue counters; false when this lead was already counted. */
export async function recordRevenue(leadId: string, amount: number, currency: string, now: Date = new Date()): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...revenueMarkerKey(leadId), amount, currency, countedAt: now.toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw asTransient(error, 'revenue marker');
  }
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: revenueKey(currency),
        UpdateExpression: 'SET #currency = :currency, updatedAt = :now ADD #amount :amount, deals :one',
        ExpressionAttributeNames: { '#currency': 'currency', '#amount': 'amount' },
        ExpressionAttributeValues: { ':currency': currency, ':now': now.toISOString(), ':amount': amount, ':one': 1 },
      }),
    );
  } catch (error) {
    throw asTransient(error, 'revenue counter');
  }
  return true;
}
