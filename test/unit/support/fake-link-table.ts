// A small in-memory stand-in for the table, behind aws-sdk-client-mock, that
// understands the exact writes links.ts and mailer.ts make (conditional
// puts, the answer/revert/expire/reminder updates, the mail marker). It lets
// tests exercise "one answer wins" against real condition semantics.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
type DdbMock = AwsClientStub<DynamoDBDocumentClient>;

const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const k = (key: unknown): string => {
  const { pk, sk } = key as { pk: string; sk: string };
  return `${pk}|${sk}`;
};

export class FakeTable {
  readonly items = new Map<string, Item>();

  put(item: Item): void {
    this.items.set(k(item), structuredClone(item));
  }

  get(pk: string, sk: string): Item | undefined {
    return this.items.get(`${pk}|${sk}`);
  }

  install(mock: DdbMock): void {
    // Two query shapes: byReminderDue (gsi3pk = :bucket AND gsi3sk <= :upper) and a lead's
    // partition by sort key prefix (pk = :pk AND begins_with(sk, :prefix)), newest first.
    mock.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues?: Item; ScanIndexForward?: boolean }) => {
      const v = input.ExpressionAttributeValues ?? {};
      if (input.IndexName === undefined && typeof v[':pk'] === 'string' && typeof v[':prefix'] === 'string') {
        const items = [...this.items.values()]
          .filter((i) => i.pk === v[':pk'] && String(i.sk).startsWith(String(v[':prefix'])))
          .sort((a, b) => String(a.sk).localeCompare(String(b.sk)) * (input.ScanIndexForward === false ? -1 : 1));
        return { Items: structuredClone(items) };
      }
      if (input.IndexName !== 'byReminderDue') throw new Error(`FakeTable: unsupported query on ${input.IndexName}`);
      const items = [...this.items.values()]
        .filter((i) => i.gsi3pk === v[':bucket'] && typeof i.gsi3sk === 'string' && i.gsi3sk <= String(v[':upper']))
        .sort((a, b) => String(a.gsi3sk).localeCompare(String(b.gsi3sk)));
      return { Items: structuredClone(items) };
    });
    mock.on(GetCommand).callsFake((input: { Key: unknown }) => {
      const item = this.items.get(k(input.Key));
      return item ? { Item: structuredClone(item) } : {};
    });
    mock.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string }) => {
      if (input.ConditionExpression === 'attribute_not_exists(pk)' && this.items.has(k(input.Item))) throw ccf();
      this.items.set(k(input.Item), structuredClone(input.Item));
      return {};
    });
    mock.on(DeleteCommand).callsFake((input: { Key: unknown; ExpressionAttributeValues?: Item }) => {
      const item = this.items.get(k(input.Key));
      const attempt = input.ExpressionAttributeValues?.[':attempt'];
      if (attempt !== undefined && item?.attempt !== attempt) throw ccf();
      this.items.delete(k(input.Key));
      return {};
    });
    mock.on(UpdateCommand).callsFake((input: { Key: unknown; UpdateExpression: string; ExpressionAttributeValues?: Item }) => {
      const key = k(input.Key);
      const item = this.items.get(key);
      const v = input.ExpressionAttributeValues ?? {};
      const expr = input.UpdateExpression;
      if (expr.startsWith('SET #status = :answered')) {
        if (!item || item.type !== 'LINK' || item.status !== 'pending' || !((item.deadlineMs as number) > (v[':now'] as number))) throw ccf();
        Object.assign(item, { status: 'answered', answer: v[':answer'], answeredAt: v[':at'] });
        delete item.gsi3pk;
        delete item.gsi3sk;
        return { Attributes: structuredClone(item) };
      }
      if (expr.startsWith('SET #status = :pending')) {
        if (!item || item.status !== 'answered' || item.answeredAt !== v[':at']) throw ccf();
        item.status = 'pending';
        delete item.answer;
        delete item.answeredAt;
        return {};
      }
      if (expr === 'SET #reply = :reply') {
        // functions/lib/feedback/replies.ts: set once (attribute_exists(pk) AND attribute_not_exists(#reply)).
        if (!item || item.reply !== undefined) throw ccf();
        item.reply = v[':reply'];
        return {};
      }
      if (!item) {
        if (expr.includes('ADD')) {
          this.items.set(key, { ...(input.Key as Item) });
          return {};
        }
        throw ccf();
      }
      if (expr.startsWith('REMOVE taskToken')) {
        delete item.taskToken;
      } else if (expr.startsWith('SET #status = :expired')) {
        Object.assign(item, { status: 'expired' });
        delete item.taskToken;
        delete item.gsi3pk;
        delete item.gsi3sk;
      } else if (expr.startsWith('SET remindedAt')) {
        item.remindedAt = v[':now'];
        delete item.gsi3pk;
        delete item.gsi3sk;
      } else if (expr.startsWith('SET reminderBatch')) {
        item.reminderBatch = v[':batch'];
      } else if (expr.startsWith('SET #status = :sent')) {
        Object.assign(item, { status: 'sent', sentAt: v[':now'], messageId: v[':id'] });
      } else if (expr.startsWith('SET attempt = :attempt')) {
        if (item.status !== 'sending' || !((item.startedAt as number) < (v[':stale'] as number))) throw ccf();
        Object.assign(item, { attempt: v[':attempt'], startedAt: v[':now'] });
      }
      return { Attributes: structuredClone(item) };
    });
  }
}
