/**
 * Faults, injected into the running local stack with PIPELINE_FAULTS (see
 * local/faults.ts), at time scale 60 so retry back-off passes quickly:
 * - transient Lambda (the Lambda service failing qualify-lead twice),
 *   DynamoDB (500s on the functions' UpdateItem calls) and SES (throttling
 *   of SendEmail through all of the SDK's own attempts) errors are retried
 *   to success: the lead reaches its first wait, and the request email that
 *   failed is sent again once, not twice;
 * - a permanent error (schedule-meeting always fails) lands the lead in
 *   "Needs attention": the error recorded on the lead, and the lead waits in
 *   "Await rescue decision" for ops, who get the rescue email; closed by its
 *   link, the execution fails visibly.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM, answerLink, lead, statesEntered, submit, type OutboxMail } from '../e2e/harness';
import type { InjectedFault } from '../../local/faults';
import { Stack, recordFigures } from './support';

const run = Date.now().toString(36);
let stack: Stack;
const figures = { faultsInjected: 0, faultsRecovered: 0, needsAttention: 0 };

const RULES = [
  { target: 'lambda:qualify-lead', first: 2 },
  { target: 'dynamodb:UpdateItem', calls: [1, 2] },
  { target: 'ses:SendEmail', calls: [1, 2, 3] },
  { target: 'lambda:schedule-meeting', always: true, error: 'Error' },
];

beforeAll(async () => {
  stack = await Stack.start({ timeScale: 60, env: { PIPELINE_FAULTS: JSON.stringify(RULES) } });
}, 150_000);

afterAll(async () => {
  recordFigures(figures);
  if (stack !== undefined) await stack.stop();
}, 60_000);

function injected(): InjectedFault[] {
  const file = join(stack.server.dataDir, 'faults.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as InjectedFault);
}

const failuresIn = (history: HistoryEvent[], state: string): HistoryEvent[] => {
  const out: HistoryEvent[] = [];
  let current = '';
  for (const e of history) {
    if (e.type?.endsWith('StateEntered')) current = e.stateEnteredEventDetails?.name ?? '';
    if (current === state && (e.type === 'TaskFailed' || e.type === 'LambdaFunctionFailed')) out.push(e);
  }
  return out;
};

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

describe('injected faults', () => {
  const id = `fault-${run}`;
  const company = `Faulty ${run}`;

  it('transient Lambda, DynamoDB and SES errors are retried to success; the failed email goes out once', async () => {
    const posted = await stack.server.postLead(lead(id, company));
    expect(posted.status).toBe(201);
    await stack.server.until(id, 'waiting for the call', (e) => e.currentState === 'Await qualification call', 60_000);
    const call = await stack.server.mail('qualification call', (m) => about(company)(m) && m.subject.startsWith('Qualification call'), 60_000);
    const exec = await stack.server.execution(id);
    const history = await stack.server.history(exec?.executionArn ?? '');

    const faults = injected();
    console.log(`faults injected: ${faults.map((f) => `${f.target}#${f.call} ${f.error}`).join(', ')}`);
    expect(faults.filter((f) => f.target === 'lambda:qualify-lead')).toHaveLength(2);
    expect(faults.filter((f) => f.target === 'dynamodb:UpdateItem')).toHaveLength(2);
    expect(faults.filter((f) => f.target === 'ses:SendEmail')).toHaveLength(3);

    // Lambda: two service errors on Qualify lead, retried by the state machine.
    const qualifyFailures = failuresIn(history, 'Qualify lead');
    expect(qualifyFailures.map((e) => e.taskFailedEventDetails?.error)).toEqual(['Lambda.ServiceException', 'Lambda.ServiceException']);
    // SES: the SDK's three attempts throttled; the request task failed as transient and was retried.
    const awaitFailures = failuresIn(history, 'Await qualification call');
    expect(awaitFailures.map((e) => e.taskFailedEventDetails?.error)).toEqual(['Pipeline.TransientError']);
    expect(statesEntered(history).slice(0, 3)).toEqual(['Qualify lead', 'Route qualified lead', 'Await qualification call']);
    // One request email, not two, and its link works: the outbox file has exactly one copy; the attempt SES
    // refused released its idempotency marker (none left 'sending'), the retry's says 'sent'.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await stack.server.mails((m) => about(company)(m) && m.subject.startsWith('Qualification call'))).toHaveLength(1);
    expect(stack.mails().filter((m) => about(company)(m) && m.subject.startsWith('Qualification call'))).toHaveLength(1);
    const markers = (await stack.items()).filter((i) => String(i.pk).startsWith(`MAIL#feedback#${id}#qualification-call#`));
    expect(markers.map((m) => m.status)).toEqual(['sent']);
    expect((await fetch(answerLink(call, 'book-meeting'))).status).toBe(200);
    figures.faultsInjected += faults.length;
    figures.faultsRecovered += faults.length;
  }, 90_000);

  it('a permanent error lands the lead in Needs attention, records the error and asks ops, who close it', async () => {
    const call = await stack.server.mail('qualification call', (m) => about(company)(m) && m.subject.startsWith('Qualification call'));
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting' })).status).toBe(200);
    const parked = await stack.server.until(id, 'awaiting rescue', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 60_000);
    expect(parked).toMatchObject({ status: 'RUNNING', currentState: 'Await rescue decision', stage: 'needs-attention' });
    const history = await stack.server.history(parked.executionArn);
    const path = statesEntered(history);
    expect(path).toContain('Schedule meeting');
    expect(path).toContain('Needs attention');
    // A plain function error is not retried: one failure, straight to Needs attention.
    expect(failuresIn(history, 'Schedule meeting')).toHaveLength(1);
    const profile = await stack.profile(id);
    const lastError = profile?.lastError as { step?: string; error?: string } | undefined;
    expect(lastError?.step).toBe('Schedule meeting');
    expect(lastError?.error).toBe('Error');
    const ops = await stack.server.mail('needs attention', (m) => m.subject.startsWith('Needs attention') && m.subject.includes(company), 20_000);
    expect([...ops.to, ...ops.cc]).toContain(TEAM.ops);
    // Ops close it: only then does the execution end, failed with the step's error.
    expect((await submit(answerLink(ops, 'close'), { answer: 'close' })).status).toBe(200);
    const done = await stack.server.until(id, 'closed', (e) => e.status !== 'RUNNING', 30_000);
    expect(done).toMatchObject({ status: 'FAILED', stage: 'needs-attention' });
    expect(statesEntered(await stack.server.history(done.executionArn)).at(-1)).toBe('Lead failed');
    expect(injected().filter((f) => f.target === 'lambda:schedule-meeting')).toHaveLength(1);
    figures.faultsInjected += 1;
    figures.needsAttention += 1;
  }, 90_000);
});
