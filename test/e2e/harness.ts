/**
 * End-to-end harness: the local stack as a child process (local/stack-process.ts)
 * plus what only the tests need: following a request email's links and
 * submitting its form as a browser would, and the demo team's addresses.
 */
export * from '../../local/stack-process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect } from 'vitest';
import { LocalStackProcess, type OutboxMail, type ServerOptions } from '../../local/stack-process';

/** A local stack for a test file: started before its tests, stopped after them (exit code 0) leaving no data. Call it at the top level. */
export function stackForFile(options: ServerOptions = {}): () => LocalStackProcess {
  let server: LocalStackProcess | undefined;
  beforeAll(async () => {
    server = await LocalStackProcess.start(options);
  }, 150_000);
  afterAll(async () => {
    if (server === undefined) return;
    const code = await server.stop();
    server.removeData();
    expect(code, `the stack's exit code; the end of its output:\n${server.output()}`).toBe(0);
  }, 60_000);
  return () => {
    if (server === undefined) throw new Error('the local stack has not started');
    return server;
  };
}

/** A lead's profile as the stack stored it (its local DynamoDB, read with the SDK). */
export async function storedProfile(server: LocalStackProcess, leadId: string): Promise<Record<string, unknown> | undefined> {
  const info = await server.getJson<{ dynamodb: string; tableName: string }>('/local/info');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: info.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } }));
  try {
    return (await client.send(new GetCommand({ TableName: info.tableName, Key: { pk: `LEAD#${leadId}`, sk: 'PROFILE' } }))).Item;
  } finally {
    client.destroy();
  }
}

export function answerLink(mail: OutboxMail, answer: string): string {
  const link = mail.links.find((l) => new URL(l).searchParams.get('answer') === answer);
  if (link === undefined) throw new Error(`mail "${mail.subject}" has no link for answer ${answer}: ${mail.links.length} links`);
  return link;
}

/** Submits the feedback form of a link as a browser would (urlencoded POST to the page). */
export async function submit(link: string, fields: Readonly<Record<string, string | undefined>>): Promise<{ status: number; body: string }> {
  const u = new URL(link);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, v);
  const res = await fetch(`${u.origin}${u.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return { status: res.status, body: await res.text() };
}

export const TEAM = {
  marketingLead: 'marketing-lead@example.com',
  insideSalesLead: 'inside-sales-lead@example.com',
  insideSales: ['sdr1@example.com', 'sdr2@example.com'],
  fieldSalesLead: 'field-sales-lead@example.com',
  fieldSales: ['ae1@example.com', 'ae2@example.com'],
  customerSuccessLead: 'customer-success-lead@example.com',
  customerSuccess: ['csm1@example.com', 'csm2@example.com'],
  ops: 'ops@example.com',
};
