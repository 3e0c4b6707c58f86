/**
 * `npm run preflight` (scripts/preflight.ts) against a running local stack,
 * reached as an AWS account is, through the standard AWS_ENDPOINT_URL_*
 * variables: the local SES answers GetAccount and the identities (sandbox on,
 * verifiedIdentities given), the local CloudFormation says CDKToolkit is
 * there. Each run passes its settings as `cdk deploy` would take them (-c).
 */
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../../local/stack-process';
import { stackForFile } from '../e2e/harness';

const TEAMS = {
  marketing: { lead: 'mkt-lead@acme-sales.com', members: ['mkt@acme-sales.com'] },
  'inside-sales': { lead: 'is-lead@acme-sales.com', members: ['sdr1@acme-sales.com', 'sdr2@acme-sales.com'] },
  'field-sales': { lead: 'fs-lead@acme-sales.com', members: ['ae1@acme-sales.com'] },
  'customer-success': { lead: 'cs-lead@acme-sales.com', members: ['csm1@acme-sales.com'] },
  ops: { lead: 'ops@acme-corp.com' },
};
const MAIL_FROM = 'The Model pipeline <pipeline@acme-corp.com>';
const VERIFIED = ['pipeline@acme-corp.com', 'ops@acme-corp.com', 'acme-sales.com'];

const stack = stackForFile({ settings: { teams: JSON.stringify(TEAMS), mailFrom: MAIL_FROM, sesSandbox: 'true', verifiedIdentities: JSON.stringify(VERIFIED) } });
let endpoints: { ses: string; cloudformation: string };

beforeAll(async () => {
  endpoints = await stack().getJson<{ ses: string; cloudformation: string }>('/local/info');
});

function preflight(context: Record<string, string>): Promise<{ code: number; out: string }> {
  const args = ['--import', 'tsx', 'scripts/preflight.ts', ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_CLOUDFORMATION: endpoints.cloudformation,
  };
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete env[k];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: REPO, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, out: `${stdout}${stderr}` });
    });
  });
}

const good = { teams: JSON.stringify(TEAMS), mailFrom: MAIL_FROM, createMailIdentity: 'false' };
const lines = (out: string, mark: '✓' | '✗'): string[] => out.split('\n').filter((l) => l.startsWith(`${mark} `));

describe('npm run preflight', () => {
  it('passes when everything is in place: sandbox reported, sender and every team address verified, bootstrapped', async () => {
    const { code, out } = await preflight(good);
    expect(lines(out, '✗'), out).toEqual([]);
    expect(code, out).toBe(0);
    expect(out).toContain('✓ no example addresses');
    expect(out).toContain('✓ SES account (us-east-1): in the sandbox (200 emails a day, 1 a second)');
    expect(out).toContain('✓ sender pipeline@acme-corp.com verified in SES (identity pipeline@acme-corp.com)');
    expect(out).toContain('✓ every team address (ops included) is verified');
    expect(out).toContain('✓ CDK bootstrap stack CDKToolkit (CREATE_COMPLETE');
    expect(out).toContain('Ready: npx cdk deploy');
  }, 60_000);

  it('reports a team address that is not verified while in the sandbox, with what to do', async () => {
    const teams = { ...TEAMS, 'inside-sales': { lead: 'is-lead@acme-sales.com', members: ['sdr1@acme-sales.com', 'sdr9@partner-agency.com'] } };
    const { code, out } = await preflight({ ...good, teams: JSON.stringify(teams) });
    expect(code).toBe(1);
    expect(lines(out, '✗')).toEqual(['✗ in the SES sandbox, this team address is not verified, and SES refuses mail to it: sdr9@partner-agency.com']);
    expect(out).toMatch(/→ verify each \(aws sesv2 create-email-identity --email-identity <address>.*request production access/);
  }, 60_000);

  it('reports example.com addresses (the defaults), and that they are not verified', async () => {
    const { code, out } = await preflight({});
    expect(code).toBe(1);
    const misses = lines(out, '✗').join('\n');
    expect(misses).toMatch(/^✗ example addresses in teams, mailFrom, mailIdentity, verifiedIdentities \(mail to them goes nowhere\): marketing-lead@example\.com, /m);
    expect(misses).toContain('✗ sender pipeline@example.com is not verified in SES');
    expect(misses).toContain('team addresses are not verified');
  }, 60_000);

  it('reports a sender that is not verified, and a mail identity the deploy would create twice', async () => {
    const unverified = await preflight({ ...good, mailFrom: 'Bot <bot@partner-agency.com>', createMailIdentity: 'true' });
    expect(unverified.code).toBe(1);
    expect(lines(unverified.out, '✗')).toEqual(['✗ sender bot@partner-agency.com is not verified in SES: no email can go out']);
    expect(unverified.out).toContain('→ aws sesv2 create-email-identity --email-identity bot@partner-agency.com');

    const twice = await preflight({ ...good, createMailIdentity: 'true' });
    expect(twice.code).toBe(1);
    expect(lines(twice.out, '✗')).toEqual(['✗ the SES identity pipeline@acme-corp.com already exists: the deploy would fail creating it again']);
    expect(twice.out).toContain('→ deploy with -c createMailIdentity=false');
  }, 60_000);

  it('refuses a bad setting as the deploy would, naming it', async () => {
    const { code, out } = await preflight({ ...good, sesSandbox: 'maybe' });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ settings: Setting sesSandbox/);
  }, 60_000);
});
