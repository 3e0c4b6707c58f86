/**
 * Issue 13: the first `cdk deploy` on a new AWS account works. What a new
 * account trips over, asserted on synthesized templates:
 *
 * - the SES sandbox, where SES also authorizes each send against the
 *   recipients' identities (sesSandbox);
 * - a redeploy after a rollback or destroy, which a retained log group with
 *   a fixed name made fail ("already exists");
 * - an SES identity that already exists (createMailIdentity=false);
 * - Lambda's 4 KB environment limit, which the team directory (TEAMS) hit
 *   until the roster moved into the table (1,000 members per team now fit);
 * - placeholder example.com addresses, deployed silently;
 * - ARNs pinned at synth to one partition or region, and unused grants.
 *
 * Two synths: the app as infra/app.ts builds it (environment-agnostic, with
 * cdk.json's context and the defaults), and one with an existing domain
 * identity outside the sandbox in a concrete environment.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '#lib/aws/settings';
import type { TeamDirectory } from '#lib/teams/directory';
import { FUNCTION_BASE_ENVIRONMENT } from '../../infra/constructs/pipeline-function';
import { FUNCTION_NAMES, LAMBDA_ENVIRONMENT_LIMIT_BYTES, checkEnvironmentSizes, environmentBytes, longestEnvironment, type FunctionName } from '../../infra/function-table';
import { ASL_FILE, REPO_ROOT } from '../../infra/paths';
import { isPlaceholderAddress, placeholderAddressSettings, resolveSettings, teamAddresses } from '../../infra/settings';
import { SYNTH_TIMEOUT_MS, resourcesOf, synthesize, type CfnTemplate, type Synthesized } from './synth';

/** cdk.json's context (feature flags such as enablePartitionLiterals), as `cdk synth` gives it to infra/app.ts. */
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/** A real-looking directory (not example.com), `members` addresses per team. */
function directory(members: number, domain = 'acme-sales.com'): TeamDirectory {
  const team = (name: string) => ({
    lead: `${name}-lead@${domain}`,
    members: Array.from({ length: members }, (_, i) => `${name}.member${String(i + 1).padStart(4, '0')}@${domain}`),
  });
  return {
    marketing: team('marketing'),
    'inside-sales': team('inside-sales'),
    'field-sales': team('field-sales'),
    'customer-success': team('customer-success'),
    ops: { lead: `ops@${domain}` },
  };
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statementsOf(json: CfnTemplate): Statement[] {
  return resourcesOf(json, 'AWS::IAM::Policy').flatMap(([, p]) => (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

/** The SES send statement of one function's role. */
function sendStatement(s: Synthesized, name: FunctionName): Statement | undefined {
  const role = s.stack.getLogicalId(s.stack.functions[name].role.node.defaultChild as CfnElement);
  return resourcesOf(s.json, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.['Roles']).includes(`"${role}"`))
    .flatMap(([, p]) => (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement)
    .find((st) => asArray(st.Action).includes('ses:SendEmail'));
}

/** `arn:${Partition}:ses:${Region}:${Account}:<resource>` as the template writes it. */
const sesArn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });

const REGION_NAME = /\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(gov-|iso-|isob-)?(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d\b/;
const mailers = FUNCTION_NAMES.filter((n) => ['request-feedback', 'share-feedback', 'schedule-meeting', 'record-outcome', 'remind-pending', 'send-digest', 'teams'].includes(n));

/** As infra/app.ts: no env, cdk.json's context, every setting at its default. */
let app: Synthesized;
/** An existing domain identity, outside the sandbox, real addresses (1,000 members per team), a concrete environment (the test default). */
let existing: Synthesized;

beforeAll(() => {
  app = synthesize({ env: undefined }, CDK_JSON_CONTEXT);
  existing = synthesize(
    {},
    {
      ...CDK_JSON_CONTEXT,
      // As `-c key=value` gives them: strings.
      sesSandbox: 'false',
      createMailIdentity: 'false',
      mailIdentity: 'acme-sales.com',
      mailFrom: 'The Model pipeline <pipeline@acme-sales.com>',
      teams: JSON.stringify(directory(1000)),
    },
  );
}, 2 * SYNTH_TIMEOUT_MS);

afterAll(() => {
  for (const s of [app, existing]) if (s !== undefined) rmSync(s.outdir, { recursive: true, force: true });
});

describe('SES sandbox (sesSandbox)', () => {
  it('by default (a new account is in the sandbox) the send grant also covers the recipients\' identities, still only from the sender', () => {
    expect(app.stack.settings.sesSandbox).toBe(true);
    for (const name of mailers) {
      const st = sendStatement(app, name);
      expect(asArray(st?.Action).sort(), name).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const resources = asArray(st?.Resource as unknown[]);
      expect(resources, name).toContainEqual(sesArn('identity/pipeline@example.com'));
      expect(resources, name).toContainEqual(sesArn('identity/*'));
      expect(JSON.stringify(resources), name).toContain('configuration-set/');
      expect(resources, name).toHaveLength(3);
      expect(st?.Condition, name).toEqual({ StringEquals: { 'ses:FromAddress': 'pipeline@example.com' } });
    }
  });

  it('with sesSandbox=false the grant names only the sender identity and the configuration set', () => {
    expect(existing.stack.settings.sesSandbox).toBe(false);
    for (const name of mailers) {
      const st = sendStatement(existing, name);
      const resources = asArray(st?.Resource as unknown[]);
      expect(resources, name).toHaveLength(2);
      expect(resources, name).toContainEqual(sesArn('identity/acme-sales.com'));
      expect(JSON.stringify(resources), name).toContain(':configuration-set/');
      expect(JSON.stringify(resources), name).not.toContain('identity/*');
      expect(st?.Condition, name).toEqual({ StringEquals: { 'ses:FromAddress': 'pipeline@acme-sales.com' } });
    }
  });

  it('functions that send no mail get no SES grant', () => {
    for (const name of FUNCTION_NAMES.filter((n) => !mailers.includes(n))) expect(sendStatement(app, name), name).toBeUndefined();
  });

  it('verifiedIdentities defaults to every team address, needs no environment variable, and may be given', () => {
    const s = resolveSettings();
    expect(s.verifiedIdentities).toEqual(teamAddresses(SETTINGS.teams.default));
    expect(s.verifiedIdentities).toContain('ops@example.com');
    expect(s.verifiedIdentities).toContain('sdr2@example.com');
    expect(new Set(s.verifiedIdentities).size).toBe(s.verifiedIdentities.length);
    const given = resolveSettings({}, (key) => (key === 'verifiedIdentities' ? '["acme-sales.com","ann@partner.org"]' : undefined));
    expect(given.verifiedIdentities).toEqual(['acme-sales.com', 'ann@partner.org']);
    expect(() => resolveSettings({}, (key) => (key === 'verifiedIdentities' ? '["not an identity"]' : undefined))).toThrow(/Setting verifiedIdentities/);
    for (const name of FUNCTION_NAMES) {
      const env = JSON.stringify(app.json.Resources[app.stack.getLogicalId(app.stack.functions[name].function.node.defaultChild as CfnElement)]?.Properties?.['Environment']);
      expect(env, name).not.toMatch(/VERIFIED/i);
    }
  });

  it('reads the flags from -c strings and rejects anything but true/false', () => {
    expect(resolveSettings({}, (key) => (key === 'sesSandbox' ? 'false' : undefined)).sesSandbox).toBe(false);
    expect(resolveSettings({ sesSandbox: false }).sesSandbox).toBe(false);
    expect(resolveSettings({}, (key) => (key === 'createMailIdentity' ? 'true' : undefined)).createMailIdentity).toBe(true);
    expect(() => resolveSettings({}, (key) => (key === 'sesSandbox' ? 'maybe' : undefined))).toThrow(/Setting sesSandbox: must be true or false/);
  });
});

describe('redeploy after a rollback or a destroy', () => {
  it('no log group kept on delete has a fixed name', () => {
    for (const s of [app, existing]) {
      const groups = resourcesOf(s.json, 'AWS::Logs::LogGroup') as [string, { DeletionPolicy?: string; Properties?: Record<string, unknown> }][];
      expect(groups.length).toBeGreaterThan(FUNCTION_NAMES.length);
      const keptWithAName = groups.filter(([, group]) => group.DeletionPolicy === 'Retain' && typeof group.Properties?.['LogGroupName'] === 'string');
      expect(keptWithAName.map(([id]) => id)).toEqual([]);
    }
  });

  it("the state machine's log group: vended-logs prefix, the state machine's name and the stack's UUID, retention kept", () => {
    const id = app.stack.getLogicalId(app.stack.workflow.logGroup.node.defaultChild as CfnElement);
    const group = app.json.Resources[id] as { DeletionPolicy?: string; Properties: Record<string, unknown> };
    expect(group.Properties['RetentionInDays']).toBe(90);
    expect(group.Properties['LogGroupName']).toEqual({
      'Fn::Join': ['', [`/aws/vendedlogs/states/${app.stack.workflow.stateMachineName}-`, { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]],
    });
    const [, sm] = resourcesOf(app.json, 'AWS::StepFunctions::StateMachine')[0] ?? [];
    expect(JSON.stringify(sm?.Properties?.['LoggingConfiguration'])).toContain(id);
  });
});

describe('an SES identity that already exists (createMailIdentity=false)', () => {
  it('creates no identity, still the configuration set, and says how to attach it', () => {
    expect(resourcesOf(existing.json, 'AWS::SES::EmailIdentity')).toEqual([]);
    expect(resourcesOf(existing.json, 'AWS::SES::ConfigurationSet')).toHaveLength(1);
    const outputs = existing.template.findOutputs('*', { Value: Match.anyValue() });
    const attach = Object.entries(outputs).find(([key]) => key.includes('AttachConfigurationSet'))?.[1] as { Value: unknown } | undefined;
    const command = JSON.stringify(attach?.Value);
    expect(command).toContain('aws sesv2 put-email-identity-configuration-set-attributes --email-identity acme-sales.com --configuration-set-name ');
    // No DKIM outputs: the identity is not the stack's.
    expect(Object.keys(outputs).filter((k) => k.includes('DkimRecord'))).toEqual([]);
  });

  it('by default creates the identity with the configuration set as its default', () => {
    expect(app.stack.settings.createMailIdentity).toBe(true);
    app.template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    app.template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'pipeline@example.com', ConfigurationSetAttributes: Match.anyValue() });
    expect(Object.keys(app.template.findOutputs('*')).filter((k) => k.includes('AttachConfigurationSet'))).toEqual([]);
  });
});

describe("Lambda's 4 KB environment limit", () => {
  it('1,000 members per team: every function environment stays well under 4 KB, with no member in it; the roster seed rides in the RosterSeed custom resource', () => {
    const members = directory(1000);
    const sizes: Record<string, number> = {};
    for (const name of FUNCTION_NAMES) {
      const fn = existing.json.Resources[existing.stack.getLogicalId(existing.stack.functions[name].function.node.defaultChild as CfnElement)];
      const deployed = JSON.stringify((fn?.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables);
      expect(deployed, name).not.toContain('member0001@');
      sizes[name] = environmentBytes(longestEnvironment(name, existing.stack.settings, FUNCTION_BASE_ENVIRONMENT));
    }
    console.log('environment bytes per function with 1,000 members per team (resource values at their longest):', sizes);
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES / 2);
    expect(() => checkEnvironmentSizes(existing.stack.settings, FUNCTION_BASE_ENVIRONMENT)).not.toThrow();
    const [seed] = resourcesOf(existing.json, 'Custom::RosterSeed');
    expect(JSON.parse(String(seed?.[1].Properties?.['Teams']))).toEqual(members);
    expect(seed?.[1].Properties?.['ServiceToken']).toEqual({ 'Fn::GetAtt': [existing.stack.getLogicalId(existing.stack.functions.teams.function.node.defaultChild as CfnElement), 'Arn'] });
  });

  it('the default directory keeps every function well under 4 KB, counting every variable the template sets', () => {
    const sizes: Record<string, number> = {};
    for (const name of FUNCTION_NAMES) {
      const fn = app.json.Resources[app.stack.getLogicalId(app.stack.functions[name].function.node.defaultChild as CfnElement)];
      const deployed = (fn?.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      const estimated = longestEnvironment(name, app.stack.settings, FUNCTION_BASE_ENVIRONMENT);
      // The estimate counts exactly the template's variables; values known at synth are the same.
      expect(Object.keys(estimated).sort(), name).toEqual(Object.keys(deployed).sort());
      const knownAtSynth = Object.fromEntries(Object.entries(deployed).filter(([, value]) => typeof value === 'string'));
      expect(estimated, name).toMatchObject(knownAtSynth);
      sizes[name] = environmentBytes(estimated);
    }
    console.log('environment bytes per function (resource values at their longest):', sizes);
    for (const [name, bytes] of Object.entries(sizes)) expect(bytes, name).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES / 2);
  });
});

describe('placeholder addresses', () => {
  it('synth warns on the stack, naming the settings, and the stack says so in an output', () => {
    expect(placeholderAddressSettings(app.stack.settings)).toEqual(['teams', 'mailFrom', 'mailIdentity', 'verifiedIdentities']);
    const warnings = Annotations.fromStack(app.stack).findWarning('*', Match.stringLikeRegexp('Settings teams, mailFrom, mailIdentity, verifiedIdentities hold placeholder addresses'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0]?.entry.data)).toContain('npm run preflight');
    app.template.hasOutput('PlaceholderAddresses', { Value: 'teams, mailFrom, mailIdentity, verifiedIdentities' });
  });

  it('real addresses: no warning, no output', () => {
    expect(Annotations.fromStack(existing.stack).findWarning('*', Match.stringLikeRegexp('placeholder addresses'))).toEqual([]);
    expect(existing.template.findOutputs('PlaceholderAddresses')).toEqual({});
  });

  it('knows the reserved domains', () => {
    for (const a of ['x@example.com', 'x@mail.example.org', 'x@corp.test', 'example.net', 'Name <x@example.com>']) expect(isPlaceholderAddress(a), a).toBe(true);
    for (const a of ['x@acme-sales.com', 'x@examples.com', 'notexample.com']) expect(isPlaceholderAddress(a), a).toBe(false);
  });
});

describe('partition and region', () => {
  it('the template as infra/app.ts synthesizes it names no partition, region or account', () => {
    const text = JSON.stringify(app.json);
    expect(text).not.toMatch(/arn:aws[:-]/);
    expect(text).not.toMatch(REGION_NAME);
    expect(text).not.toContain('123456789012');
    expect(text).toContain('AWS::Partition');
  });

  it('the ASL file names no partition: the stack substitutes AWS::Partition', () => {
    const file = readFileSync(ASL_FILE, 'utf8');
    expect(file).not.toMatch(/arn:aws[:-]/);
    expect(file).toContain('arn:${Partition}:states:::lambda:invoke');
    const [, sm] = resourcesOf(app.json, 'AWS::StepFunctions::StateMachine')[0] ?? [];
    expect((sm?.Properties?.['DefinitionSubstitutions'] as Record<string, unknown>)['Partition']).toEqual({ Ref: 'AWS::Partition' });
  });

  it('in a concrete environment too, the ARNs the stack builds (SES, the state machine) use the deploy-time partition, region and account', () => {
    const built = statementsOf(existing.json)
      .flatMap((st) => asArray(st.Resource as unknown[]))
      .map((r) => JSON.stringify(r))
      .filter((r) => /:(ses|states):/.test(r));
    expect(built.length).toBeGreaterThan(0);
    for (const r of built) {
      expect(r).not.toMatch(/arn:aws[:-]/);
      expect(r).not.toMatch(REGION_NAME);
    }
    const env = JSON.stringify(existing.json.Resources[existing.stack.getLogicalId(existing.stack.functions['capture-lead'].function.node.defaultChild as CfnElement)]?.Properties?.['Environment']);
    expect(env).toContain('AWS::Partition');
    expect(env).not.toMatch(REGION_NAME);
  });
});

describe('unused grants', () => {
  it('no role may fail a task or describe a secret', () => {
    for (const s of [app, existing]) {
      const actions = new Set(statementsOf(s.json).flatMap((st) => asArray(st.Action)));
      expect(actions).toContain('states:SendTaskSuccess');
      expect(actions).toContain('states:SendTaskHeartbeat'); // the feedback page asks whether a task still waits
      expect(actions).toContain('secretsmanager:GetSecretValue');
      for (const unused of ['states:SendTaskFailure', 'secretsmanager:DescribeSecret']) expect(actions, unused).not.toContain(unused);
    }
  });

  it('the functions send SendTaskSuccess and SendTaskHeartbeat (no SendTaskFailure) and no DescribeSecret', () => {
    const sources = FUNCTION_NAMES.map((n) => readFileSync(path.join(REPO_ROOT, 'functions', `${n}.ts`), 'utf8')).join('\n');
    const lib = readFileSync(path.join(REPO_ROOT, 'functions', 'lib', 'feedback', 'requests.ts'), 'utf8');
    expect(lib).toContain('SendTaskSuccessCommand');
    expect(lib).toContain('SendTaskHeartbeatCommand');
    expect(`${sources}\n${lib}`).not.toMatch(/SendTaskFailureCommand|DescribeSecretCommand/);
  });
});

describe('cdk-nag', () => {
  it('reports nothing unacknowledged in either synth', () => {
    for (const s of [app, existing]) {
      const open = [...s.nag.awsSolutions.violations, ...s.nag.serverless.violations].map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(open).toEqual([]);
    }
  });

  it("acknowledges the sandbox's identity/* on the mail senders only, with its reason, and not outside the sandbox", () => {
    const acknowledged = (s: Synthesized) =>
      s.stack.node.findAll().flatMap((c) =>
        c.node.metadata
          .filter((e) => e.type === 'aws:cdk:acknowledged-rules')
          .flatMap((e) => Object.entries(e.data as Record<string, unknown>).map(([id, reason]) => ({ path: c.node.path, id, reason: String(reason) }))),
      );
    const sandbox = acknowledged(app).filter((a) => a.id.includes(':identity/*'));
    expect(sandbox.map((a) => a.path.split('/')[1]).sort()).toEqual(['RecordOutcome', 'RemindPending', 'RequestFeedback', 'ScheduleMeeting', 'SendDigest', 'ShareFeedback', 'Teams']);
    for (const a of sandbox) expect(a.reason).toMatch(/sandbox/);
    expect(acknowledged(existing).filter((a) => a.id.includes(':identity/*'))).toEqual([]);
  });
});
