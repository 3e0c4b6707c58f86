/**
 * `npm run preflight [-- -c key=value ...]`: before `npx cdk deploy`, checks
 * what a first deploy on a new account trips on, with the settings the deploy
 * will use (cdk.json's context, then each `-c key=value`, resolved by
 * infra/settings.ts as the stack resolves them) and the AWS credentials and
 * region of the standard SDK configuration (AWS_PROFILE, AWS_REGION, ...):
 *
 *   - no placeholder address (example.com and the like) in teams, mailFrom, mailIdentity, alarmEmail
 *   - SES account: sandbox or production access, the send quota, sending enabled
 *   - the sender (mailFrom) verified in SES, by its address or its domain
 *   - mailIdentity and createMailIdentity agree with what SES already has
 *   - in the sandbox: every team address (ops included) verified
 *   - the CDK bootstrap stack (CDKToolkit) in place
 *
 * One line per check (✓ or ✗), what to do under each miss; exit 1 on a miss.
 * The AWS_ENDPOINT_URL_SESV2 / AWS_ENDPOINT_URL_CLOUDFORMATION variables point
 * it at the local stack, which answers as an account would (local/ses-sandbox.ts,
 * local/bootstrap.ts: it pretends to be bootstrapped).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountCommand, ListEmailIdentitiesCommand, SESv2Client, type GetAccountCommandOutput, type IdentityInfo } from '@aws-sdk/client-sesv2';
import { SETTING_KEYS, senderAddress, type SettingKey } from '#lib/aws/settings';
import { REPO_ROOT } from '../infra/paths';
import { isPlaceholderAddress, placeholderAddressSettings, resolveSettings, teamAddresses, type PipelineSettings } from '../infra/settings';

const HELP = `npm run preflight -- [-c key=value ...]

Checks an AWS account before 'npx cdk deploy', with the same settings (cdk.json's
context and the same -c key=value arguments) and the standard AWS SDK configuration
(AWS_PROFILE, AWS_REGION, ...). Exit 0: ready to deploy; 1: something to fix first.
`;

const BOOTSTRAP_STACK = 'CDKToolkit';

interface Check {
  ok: boolean;
  line: string;
  /** What to do about a miss. */
  fix?: string;
}

/** `-c key=value` / `--context key=value` / `--context=key=value` arguments, as the CDK CLI takes them. */
function parseContextArgs(argv: readonly string[]): { context: Record<string, string>; help: boolean } {
  const context: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    let pair: string | undefined;
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-c' || arg === '--context') pair = argv[(i += 1)];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    else throw new Error(`unknown argument "${arg}"`);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`-c expects key=value, got "${pair}"`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { context, help };
}

/** The context a `cdk deploy` in this repository sees: cdk.json's, then the command line's. */
function deployContext(cli: Record<string, string>): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return { ...(cdkJson.context ?? {}), ...cli };
}

/** Is `address` covered by a verified identity: itself, or its domain (or a parent domain)? */
function coveredBy(address: string, verified: readonly string[]): string | undefined {
  const addr = address.toLowerCase();
  const domain = addr.slice(addr.lastIndexOf('@') + 1);
  return verified.find((id) => id === addr || (!id.includes('@') && (domain === id || domain.endsWith(`.${id}`))));
}

/** The placeholder addresses (example.com and the like: infra/settings.ts) of the settings that hold some. */
function placeholderAddresses(s: PipelineSettings): { keys: SettingKey[]; addresses: string[] } {
  const keys = placeholderAddressSettings(s);
  const of: Partial<Record<SettingKey, readonly string[]>> = {
    teams: teamAddresses(s.teams),
    mailFrom: [senderAddress(s.mailFrom)],
    mailIdentity: [s.mailIdentity],
    verifiedIdentities: s.verifiedIdentities,
    alarmEmail: s.alarmEmail === undefined ? [] : [s.alarmEmail],
  };
  const addresses = keys.flatMap((k) => (of[k] ?? []).filter(isPlaceholderAddress));
  return { keys, addresses: [...new Set(addresses.map((a) => a.toLowerCase()))] };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function listIdentities(ses: SESv2Client): Promise<IdentityInfo[]> {
  const all: IdentityInfo[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 1000, NextToken }));
    all.push(...(page.EmailIdentities ?? []));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return all;
}

/** The stack's status, or undefined when CloudFormation says it does not exist. */
async function stackStatus(cfn: CloudFormationClient, name: string): Promise<{ status: string; outputs: Record<string, string> } | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
    const stack = out.Stacks?.[0];
    if (stack === undefined) return undefined;
    return { status: stack.StackStatus ?? 'UNKNOWN', outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])) };
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

async function preflight(context: Record<string, unknown>, out: (line: string) => void): Promise<boolean> {
  const checks: Check[] = [];
  const report = (c: Check): void => {
    checks.push(c);
    out(`${c.ok ? '✓' : '✗'} ${c.line}`);
    if (!c.ok && c.fix !== undefined) out(`    → ${c.fix}`);
  };

  let settings: PipelineSettings;
  try {
    settings = resolveSettings({}, (key: SettingKey) => context[key]);
  } catch (error) {
    report({ ok: false, line: `settings: ${error instanceof Error ? error.message : String(error)}`, fix: 'fix that -c value or cdk.json context entry (keys and formats: functions/lib/aws/settings.ts, docs/configuration.md)' });
    return false;
  }
  const unknown = Object.keys(context).filter((k) => !k.includes(':') && k !== 'stackName' && !(SETTING_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) report({ ok: false, line: `unknown setting ${unknown.join(', ')}`, fix: `the settings are ${SETTING_KEYS.join(', ')}` });

  const sender = senderAddress(settings.mailFrom).toLowerCase();
  const mailIdentity = settings.mailIdentity.toLowerCase();
  const examples = placeholderAddresses(settings);
  report(
    examples.keys.length === 0
      ? { ok: true, line: 'no example addresses in teams, mailFrom, mailIdentity, alarmEmail' }
      : {
          ok: false,
          line: `example addresses in ${examples.keys.join(', ')} (mail to them goes nowhere): ${examples.addresses.join(', ')}`,
          fix: `give the real ones: -c teams='{"marketing":{"lead":"...","members":["..."]},...}' -c mailFrom='The Model pipeline <pipeline@your-domain>' (docs/configuration.md)`,
        },
  );
  if (mailIdentity !== sender && coveredBy(sender, [mailIdentity]) === undefined) {
    report({ ok: false, line: `mailIdentity ${mailIdentity} does not cover the sender ${sender}: the stack allows sending only from mailIdentity`, fix: `use -c mailIdentity=${sender} or its domain ${sender.split('@')[1] ?? ''}` });
  }

  const ses = new SESv2Client({});
  const cfn = new CloudFormationClient({});
  try {
    const region = await ses.config.region().catch(() => 'an unknown region');
    // SES account
    let account: GetAccountCommandOutput | undefined;
    try {
      account = await ses.send(new GetAccountCommand({}));
      const quota = account.SendQuota;
      const figures = `${quota?.Max24HourSend ?? '?'} emails a day, ${quota?.MaxSendRate ?? '?'} a second`;
      if (account.SendingEnabled === false) report({ ok: false, line: `SES account (${region}): sending is disabled`, fix: 'see the SES console (Account dashboard) for why, and re-enable sending' });
      else if (account.ProductionAccessEnabled === true) report({ ok: true, line: `SES account (${region}): production access, ${figures}` });
      else report({ ok: true, line: `SES account (${region}): in the sandbox (${figures}): only verified addresses receive mail` });
      if (account.ProductionAccessEnabled !== true && !settings.sesSandbox) {
        report({ ok: false, line: 'sesSandbox=false, but the account is in the SES sandbox: the stack would grant sending to the sender identity only, and SES refuses (AccessDenied) sends to recipients it must also authorize', fix: 'deploy with -c sesSandbox=true until production access is granted' });
      }
    } catch (error) {
      report({ ok: false, line: `SES account (${region}): ${describeError(error)}`, fix: 'check the AWS credentials and region (AWS_PROFILE, AWS_REGION); the deploying role needs ses:GetAccount and ses:ListEmailIdentities' });
    }

    // Identities
    let identities: IdentityInfo[] | undefined;
    try {
      identities = await listIdentities(ses);
    } catch (error) {
      report({ ok: false, line: `SES identities: ${describeError(error)}`, fix: 'check the AWS credentials; the deploying role needs ses:ListEmailIdentities' });
    }
    if (identities !== undefined) {
      const verified = identities.filter((i) => i.VerificationStatus === 'SUCCESS' && i.SendingEnabled !== false).map((i) => (i.IdentityName ?? '').toLowerCase());
      const exists = identities.some((i) => (i.IdentityName ?? '').toLowerCase() === mailIdentity);
      const by = coveredBy(sender, verified);
      report(
        by !== undefined
          ? { ok: true, line: `sender ${sender} verified in SES (identity ${by})${by.includes('@') ? '; an address identity: mail is not DKIM-signed for your domain (see "Deploy to a new account" in README.md)' : ''}` }
          : {
              ok: false,
              line: `sender ${sender} is not verified in SES: no email can go out`,
              fix: `aws sesv2 create-email-identity --email-identity ${mailIdentity}, then ${mailIdentity.includes('@') ? 'click the link SES emails to it' : 'publish the DKIM CNAME records it returns'}, and deploy with -c createMailIdentity=false${settings.createMailIdentity && !exists ? ' (or let the deploy create it and verify it then: until you do, every lead ends in Needs attention)' : ''}`,
            },
      );
      // createMailIdentity: the stack creates mailIdentity; SES refuses to create one that exists.
      const pipelineStack = String(context.stackName ?? 'TheModelPipeline');
      let deployed = false;
      try {
        deployed = (await stackStatus(cfn, pipelineStack)) !== undefined;
      } catch {
        // the bootstrap check below reports CloudFormation errors
      }
      if (settings.createMailIdentity && exists && !deployed) {
        report({ ok: false, line: `the SES identity ${mailIdentity} already exists: the deploy would fail creating it again`, fix: 'deploy with -c createMailIdentity=false (the stack then only grants sending from it)' });
      } else if (!settings.createMailIdentity && !exists) {
        report({ ok: false, line: `createMailIdentity=false, but there is no SES identity ${mailIdentity}`, fix: `create and verify it (aws sesv2 create-email-identity --email-identity ${mailIdentity}) or leave createMailIdentity at true` });
      } else {
        report({ ok: true, line: `SES identity ${mailIdentity}: ${settings.createMailIdentity ? (deployed ? `kept by the stack ${pipelineStack}` : 'the stack creates it') : 'exists (createMailIdentity=false)'}` });
      }
      // The sandbox: every recipient must be verified.
      if (account?.ProductionAccessEnabled !== true) {
        const missing = teamAddresses(settings.teams).filter((a) => coveredBy(a, verified) === undefined);
        report(
          missing.length === 0
            ? { ok: true, line: `every team address (ops included) is verified, as the sandbox requires (${teamAddresses(settings.teams).length} addresses)` }
            : {
                ok: false,
                line: `in the SES sandbox, ${missing.length === 1 ? 'this team address is not verified, and SES refuses mail to it' : `these ${missing.length} team addresses are not verified, and SES refuses mail to them`}: ${missing.join(', ')}`,
                fix: 'verify each (aws sesv2 create-email-identity --email-identity <address>, then the link SES emails), verify their domain, or request production access (SES console, Account dashboard)',
              },
        );
      }
    }

    // CDK bootstrap
    try {
      const toolkit = await stackStatus(cfn, BOOTSTRAP_STACK);
      const good = toolkit !== undefined && /_COMPLETE$/.test(toolkit.status) && !/^(DELETE|ROLLBACK)_COMPLETE$/.test(toolkit.status);
      report(
        good
          ? { ok: true, line: `CDK bootstrap stack ${BOOTSTRAP_STACK} (${toolkit?.status}, version ${toolkit?.outputs.BootstrapVersion ?? '?'})` }
          : { ok: false, line: toolkit === undefined ? `no CDK bootstrap stack ${BOOTSTRAP_STACK} in ${region}` : `CDK bootstrap stack ${BOOTSTRAP_STACK} is ${toolkit.status}`, fix: 'npx cdk bootstrap (once per account and region)' },
      );
    } catch (error) {
      report({ ok: false, line: `CDK bootstrap stack: ${describeError(error)}`, fix: 'check the AWS credentials; the deploying role needs cloudformation:DescribeStacks' });
    }
  } finally {
    ses.destroy();
    cfn.destroy();
  }
  const misses = checks.filter((c) => !c.ok).length;
  out(misses === 0 ? '\nReady: npx cdk deploy (with the same -c arguments).' : `\n${misses} to fix before 'npx cdk deploy'.`);
  return misses === 0;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseContextArgs>;
  try {
    args = parseContextArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const ok = await preflight(deployContext(args.context), (line) => process.stdout.write(`${line}\n`));
  return ok ? 0 : 1;
}

// The AWS SDK warns once per process that Node.js 20 support ends: not news here.
process.removeAllListeners('warning');
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
