// Typed fixtures for invoking handlers in unit tests (no casts of whole events).
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export function lambdaContext(name = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req-0001',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/01/[$LATEST]abc',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function httpEvent(options: {
  method?: string;
  path?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'req',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** A TEAMS value with two or three members per team. */
export const TEAMS_JSON = JSON.stringify({
  marketing: { lead: 'mkt-lead@example.com', members: ['mkt1@example.com', 'mkt2@example.com'] },
  'inside-sales': { lead: 'isr-lead@example.com', members: ['isr1@example.com', 'isr2@example.com', 'isr3@example.com'] },
  'field-sales': { lead: 'ae-lead@example.com', members: ['ae1@example.com', 'ae2@example.com'] },
  'customer-success': { lead: 'cs-lead@example.com', members: ['csm1@example.com', 'csm2@example.com'] },
  ops: { lead: 'ops@example.com' },
});

/** Strings that must come out of an email harmless. */
export const HOSTILE = {
  script: '<script>alert("x")</script>',
  quotes: `"'><img src=x onerror=alert(1)>`,
  crlf: 'Eve\r\nBcc: victim@example.com',
  long: 'L'.repeat(5000),
  nonLatin: '山田 太郎 — Ωμέγα — مرحبا',
};

/** The fields a leads.changeStage / patchLead UpdateItem sets through `#pN = :pN` (name -> value). */
export function patchValues(input: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [alias, name] of Object.entries(input.ExpressionAttributeNames ?? {})) {
    const m = /^#p(\d+)$/.exec(alias);
    if (m) out[name] = input.ExpressionAttributeValues?.[`:p${m[1]}`];
  }
  return out;
}

/** A stored profile item as DynamoDB returns it. */
export function profileItem(leadId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pk: `LEAD#${leadId}`,
    sk: 'PROFILE',
    leadId,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    company: 'Analytical Engines',
    stage: 'captured',
    stageChangedAt: '2026-03-01T09:00:00.000Z',
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:00:00.000Z',
    owners: {},
    eventSeq: 1,
    ...fields,
  };
}

/** The roster of TEAMS_JSON, in place of the table's (teams/roster.ts useRoster): for tests that mock the table. */
export async function useTestRoster(): Promise<void> {
  const { useRoster, rosterOf } = await import('#lib/teams/roster');
  useRoster(rosterOf(JSON.parse(TEAMS_JSON) as Parameters<typeof rosterOf>[0]));
}
