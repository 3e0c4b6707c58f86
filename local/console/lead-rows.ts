/**
 * The executions list's lead facts (name, company, email, owner), its quick
 * filters and search, and a lead's pending request read from the table (its
 * LINK item: who was asked, the answers offered). The console may show a
 * lead's personal data to ops; nothing here logs it.
 */
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TEAMS } from '#lib/core/contracts';
import { LEAD_LINK_SK_PREFIX, leadPk, linkKey } from '#lib/core/keys';
import type { ExecutionFilter, ExecutionRow } from './views';

type Item = Record<string, unknown>;

function rec(v: unknown): Item {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Item) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A pending request as its LINK item holds it (the part the console shows and answers through). */
export interface PendingLink {
  hash: string;
  step: string;
  addressee: string;
  escalated: boolean;
  answers: string[];
  choices: { value: string; label: string }[];
  createdAt: string;
}

/** The row's lead facts: name, company, email, and its owner in the latest team that has one. */
export function leadFacts(item: Item | undefined): Pick<ExecutionRow, 'leadName' | 'company' | 'email' | 'owner'> {
  if (item === undefined) return {};
  const owners = rec(item.owners);
  const owner = [...TEAMS].reverse().map((t) => str(owners[t])).find((o) => o !== undefined);
  const out: Pick<ExecutionRow, 'leadName' | 'company' | 'email' | 'owner'> = {};
  const name = str(item.name);
  const company = str(item.company);
  const email = str(item.email);
  if (name !== undefined) out.leadName = name;
  if (company !== undefined) out.company = company;
  if (email !== undefined) out.email = email;
  if (owner !== undefined) out.owner = owner;
  return out;
}

/** Does the row pass the quick filter? A status, the lead's stage (needs attention, stalled), or a request escalated to the team lead. */
export function matchesFilter(row: ExecutionRow, filter: ExecutionFilter): boolean {
  switch (filter) {
    case 'needs-attention':
    case 'stalled':
      return row.stage === filter;
    case 'escalated':
      return row.status === 'RUNNING' && row.waiting?.escalated === true;
    default:
      return row.status === filter.toUpperCase().replace('-', '_');
  }
}

/** Does the row match the search (lead id, name, company or email; case-insensitive, every word)? */
export function matchesSearch(row: ExecutionRow, q: string): boolean {
  const hay = [row.name, row.leadName, row.company, row.email].filter((x) => x !== undefined).join(' ').toLowerCase();
  return q.toLowerCase().split(/\s+/).filter((w) => w !== '').every((w) => hay.includes(w));
}

/** The lead's latest pending request (its LINK item, found through the lead's link pointers: one query, one batch read). */
export async function pendingLink(doc: DynamoDBDocumentClient, tableName: string, leadId: string, step?: string): Promise<PendingLink | undefined> {
  const pointers = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': leadPk(leadId), ':prefix': LEAD_LINK_SK_PREFIX },
      ProjectionExpression: 'sk',
    }),
  );
  const keys = (pointers.Items ?? []).map((p) => linkKey(String(p.sk).slice(LEAD_LINK_SK_PREFIX.length)));
  const found: PendingLink[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys.slice(i, i + 100), ConsistentRead: true } } }));
    for (const item of out.Responses?.[tableName] ?? []) {
      if (item.type !== 'LINK' || item.status !== 'pending' || (step !== undefined && item.step !== step)) continue;
      const choices = Array.isArray(item.choices) ? item.choices.map(rec).map((c) => ({ value: str(c.value) ?? '', label: str(c.label) ?? str(c.value) ?? '' })) : [];
      found.push({
        hash: String(item.hash),
        step: String(item.step),
        addressee: str(item.addressee) ?? '?',
        escalated: item.escalated === true,
        answers: Array.isArray(item.answers) ? item.answers.filter((a): a is string => typeof a === 'string') : [],
        choices: choices.filter((c) => c.value !== ''),
        createdAt: str(item.createdAt) ?? '',
      });
    }
  }
  return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}
