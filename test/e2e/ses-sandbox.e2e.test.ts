/**
 * A new AWS account's SES sandbox, on the local stack: `sesSandbox` on, and
 * one Inside Sales member whose address is not among `verifiedIdentities`.
 * The lead routed to that member cannot be asked for its qualification call:
 * SES refuses the email for good (MessageRejected), the request step fails
 * once with Pipeline.MailRejected (no retry), the lead goes to "Needs
 * attention" with the reason naming the address, and ops get an email that
 * says it in plain words. A lead routed to a verified member flows on.
 * Handler logs are at DEBUG: the refused address appears in none of them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lead, stackForFile, statesEntered, storedProfile, type OutboxMail } from './harness';

const VERIFIED_MEMBER = 'sdr1@acme-sales.com';
const UNVERIFIED_MEMBER = 'sdr9@partner-agency.com';
const OPS = 'ops@acme-corp.com';
const TEAMS = {
  marketing: { lead: 'mkt-lead@acme-sales.com', members: ['mkt@acme-sales.com'] },
  'inside-sales': { lead: 'is-lead@acme-sales.com', members: [VERIFIED_MEMBER, UNVERIFIED_MEMBER] },
  'field-sales': { lead: 'fs-lead@acme-sales.com', members: ['ae1@acme-sales.com'] },
  'customer-success': { lead: 'cs-lead@acme-sales.com', members: ['csm1@acme-sales.com'] },
  ops: { lead: OPS },
};

let captured = '';
const run = Date.now().toString(36);

// Handler logs at DEBUG: the refused address must appear in none of them.
const stack = stackForFile({
  timeScale: 60,
  settings: {
    teams: JSON.stringify(TEAMS),
    mailFrom: 'The Model pipeline <pipeline@acme-corp.com>',
    sesSandbox: 'true',
    verifiedIdentities: JSON.stringify(['pipeline@acme-corp.com', OPS, 'acme-sales.com']),
  },
  env: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' },
});

beforeAll(() => {
  stack().child.stdout?.on('data', (b: Buffer) => (captured += b.toString()));
  stack().child.stderr?.on('data', (b: Buffer) => (captured += b.toString()));
});

const about = (company: string) => (m: OutboxMail) => m.subject.includes(`(${company})`);

describe('the SES sandbox with an unverified team member', () => {
  it('sends the lead of the unverified owner to Needs attention, tells ops why, and lets the other lead flow on', async () => {
    // Round-robin: the first lead goes to the verified member, the second to the unverified one.
    const good = { id: `ok-${run}`, company: `Verified Owner ${run}` };
    const bad = { id: `refused-${run}`, company: `Unverified Owner ${run}` };
    expect((await stack().postLead(lead(good.id, good.company))).status).toBe(201);
    const call = await stack().mail('qualification call to the verified member', (m) => about(good.company)(m) && m.subject.startsWith('Qualification call'));
    expect(call.to).toEqual([VERIFIED_MEMBER]);
    await stack().until(good.id, 'waiting for the call', (e) => e.currentState === 'Await qualification call' && e.stage === 'qualifying');

    const captured201 = await stack().postLead(lead(bad.id, bad.company));
    expect(captured201.status).toBe(201);
    // The lead waits for ops' decision (rescue), its execution still running.
    const failed = await stack().until(bad.id, 'in Needs attention', (e) => e.currentState === 'Await rescue decision' || e.status !== 'RUNNING', 30_000);
    expect(failed).toMatchObject({ status: 'RUNNING', currentState: 'Await rescue decision', stage: 'needs-attention' });

    // Ops are told, in plain words, naming the address; no raw JSON, no stack.
    const ops = await stack().mail('needs attention to ops', (m) => about(bad.company)(m) && m.subject.startsWith('Needs attention'));
    expect(ops.to).toEqual([OPS]);
    expect(ops.subject).toContain('"Await qualification call"');
    expect(ops.text).toContain(`SES refused the email to ${UNVERIFIED_MEMBER}: the address is not verified (the account is in the SES sandbox`);
    for (const raw of ['errorMessage', 'trace', '"errorType"', '    at ']) expect(ops.text).not.toContain(raw);

    // The lead records the same reason.
    const lastError = (await storedProfile(stack(), bad.id))?.lastError as { step?: string; error?: string; cause?: string } | undefined;
    expect(lastError).toMatchObject({ step: 'Await qualification call', error: 'Pipeline.MailRejected' });
    expect(lastError?.cause).toContain(UNVERIFIED_MEMBER);

    // A permanent refusal is not retried: the request step ran once, and nothing reached the unverified member.
    const history = await stack().history(failed.executionArn);
    expect(statesEntered(history).filter((s) => s === 'Await qualification call')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.parameters?.includes('"step":"qualification-call"'))).toHaveLength(1);
    expect(await stack().mails((m) => m.to.includes(UNVERIFIED_MEMBER) || m.cc.includes(UNVERIFIED_MEMBER))).toEqual([]);

    // The other lead still waits for its call; the logs name neither the address nor any other.
    expect((await stack().execution(good.id))?.currentState).toBe('Await qualification call');
    expect(captured).toContain('"message":"email refused by SES"');
    expect(captured).toContain('"reasonCode":"MessageRejected"');
    expect(captured).not.toContain(UNVERIFIED_MEMBER);
    expect(captured.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g) ?? []).toEqual([]);
  }, 90_000);
});
