/**
 * AWS prices used by the cost benchmark: us-east-1, on-demand, list prices
 * without free tier, as published on the AWS pricing pages and recorded on
 * PRICES_DATE (not fetched live: update this table when prices change).
 */
import { INDEX_KEY, LEAD_PK_PREFIX, LINK_PK_PREFIX, PROFILE_SK } from '#lib/core/keys';

export const PRICES_DATE = '2026-11-27';
export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  sfnTransition: 0.025 / 1000,
  /** Lambda arm64: $0.0000133334 per GB-second. */
  lambdaGbSecond: 0.0000133334,
  /** Lambda: $0.20 per 1M requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** DynamoDB on-demand: $0.625 per million write request units. */
  ddbWru: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  ddbRru: 0.125 / 1_000_000,
  /** SES outbound: $0.10 per 1,000 emails. */
  sesEmail: 0.1 / 1000,
  /** SES outbound attachments (a meeting's .ics): $0.12 per GB of attachments sent. */
  sesAttachmentGb: 0.12,
  /** API Gateway HTTP API: $1.00 per million requests (first 300 million a month). */
  httpRequest: 1.0 / 1_000_000,
} as const;

/** Memory of every function (infra/constructs/pipeline-function.ts default). */
const LAMBDA_MEMORY_GB = 512 / 1024;

export interface Usage {
  transitions: number;
  lambdaInvocations: number;
  /** Sum of billed milliseconds (each invocation rounded up to 1 ms). */
  lambdaBilledMs: number;
  ddbRequests: number;
  wru: number;
  rru: number;
  emails: number;
  /** Bytes of attachments sent, counted once per recipient (SES bills the data it sends). */
  attachmentBytes: number;
  httpRequests: number;
}

export interface Cost {
  sfn: number;
  lambda: number;
  dynamodb: number;
  ses: number;
  httpApi: number;
  total: number;
}

/** Dollars for one lead with this usage. */
export function price(u: Usage): Cost {
  const sfn = u.transitions * PRICES.sfnTransition;
  const lambda = u.lambdaInvocations * PRICES.lambdaRequest + (u.lambdaBilledMs / 1000) * LAMBDA_MEMORY_GB * PRICES.lambdaGbSecond;
  const dynamodb = u.wru * PRICES.ddbWru + u.rru * PRICES.ddbRru;
  const ses = u.emails * PRICES.sesEmail + (u.attachmentBytes / 1e9) * PRICES.sesAttachmentGb;
  const httpApi = u.httpRequests * PRICES.httpRequest;
  return { sfn, lambda, dynamodb, ses, httpApi, total: sfn + lambda + dynamodb + ses + httpApi };
}

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof Usage)[]) out[k] += b[k] ?? 0;
  return out;
}

export const ZERO_USAGE: Usage = { transitions: 0, lambdaInvocations: 0, lambdaBilledMs: 0, ddbRequests: 0, wru: 0, rru: 0, emails: 0, attachmentBytes: 0, httpRequests: 0 };

/** One recorded DynamoDB request (bench/lib/ddb-counter.mjs). */
export interface DdbRecord {
  t: number;
  op: string;
  table: string | null;
  index: string | null;
  status: number;
  consistent: boolean;
  key: Record<string, { S?: string }> | null;
  putBytes: number;
  putGsis: string[];
  update: string | null;
  readBytes: number;
  count: number;
  select: string | null;
  /** A read of the benchmark's own (header x-bench-probe), not the product's. */
  probe?: boolean;
}

/**
 * Request units of one request as DynamoDB on-demand bills them: reads 4 KB
 * per unit (half for eventually consistent ones, GSI queries always are),
 * writes 1 KB per unit, plus the index writes: a put writes every GSI the
 * item is in; an update of a link that sets its reminder keys writes
 * byReminderDue once more, and an update of a profile writes byStage
 * (KEYS_ONLY) only when it changes the stage key (a delete plus a put in
 * the index). Item sizes are
 * the JSON wire sizes (a little over DynamoDB's own count). A conditional
 * write that fails still costs its write.
 */
export function requestUnits(r: DdbRecord): { wru: number; rru: number } {
  const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
  switch (r.op) {
    case 'GetItem':
      return { wru: 0, rru: readUnits(r.readBytes, r.consistent) };
    case 'Query':
    case 'Scan':
      return { wru: 0, rru: readUnits(r.readBytes, r.consistent && r.index === null) };
    case 'PutItem': {
      const units = Math.max(1, Math.ceil(r.putBytes / 1024));
      return { wru: units * (1 + r.putGsis.length), rru: 0 };
    }
    case 'UpdateItem': {
      const pk = r.key?.pk?.S ?? '';
      const sk = r.key?.sk?.S ?? '';
      const expr = r.update ?? '';
      let wru = 1;
      const reminder = INDEX_KEY.byReminderDue;
      if (pk.startsWith(LEAD_PK_PREFIX) && sk === PROFILE_SK) wru += expr.includes(INDEX_KEY.byStage.pk) ? 2 : 0;
      if (pk.startsWith(LINK_PK_PREFIX) && (expr.includes(reminder.pk) || expr.includes(reminder.sk))) wru += 1;
      return { wru, rru: 0 };
    }
    case 'DeleteItem':
      return { wru: 1, rru: 0 };
    default:
      return { wru: 1, rru: 0 };
  }
}
