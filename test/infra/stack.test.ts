/**
 * The synthesized pipeline stack, asserted resource by resource (no
 * snapshot). One synth for the whole file: bundling the functions is slow.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG_FIELDS } from '../../infra/constructs/http-api';
import { LAZY_CREDENTIAL_PROVIDERS } from '../../infra/constructs/pipeline-function';
import { FUNNEL_METRICS } from '../../infra/constructs/monitoring';
import { RESCUE_METRIC } from '#lib/funnel/metrics';
import { ASL_FILE, REPO_ROOT } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_NUMBER_PLACEHOLDERS, ASL_PARTITION_PLACEHOLDER, aslNumbers, substitute } from '../../infra/asl-substitutions';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../../infra/function-table';
import { resolveSettings } from '../../infra/settings';
import { TABLE_SCHEMA } from '../../infra/table-schema';
import { ENV, type SettingDeclaration } from '#lib/aws/config';
import { SETTINGS, type SettingKey } from '#lib/aws/settings';
import { SYNTH_TIMEOUT_MS, asArray, resourcesOf, statementsOf, synthesize, type CfnResource, type Statement, type Synthesized } from './synth';

let s: Synthesized;
const fnId = {} as Record<FunctionName, string>;
const roleId = {} as Record<FunctionName, string>;

beforeAll(() => {
  s = synthesize();
  for (const name of FUNCTION_NAMES) {
    const fn = s.stack.functions[name];
    fnId[name] = s.stack.getLogicalId(fn.function.node.defaultChild as CfnElement);
    roleId[name] = s.stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  }
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  if (s !== undefined) rmSync(s.outdir, { recursive: true, force: true });
});

/** Statements of every policy attached to a role (by logical id). */
const statementsOfRole = (role: string): Statement[] => statementsOf(s.json, role);

function actionsOfRole(role: string): Set<string> {
  return new Set(statementsOfRole(role).flatMap((st) => asArray(st.Action)));
}

function allPolicyActions(): { role: string; action: string }[] {
  return resourcesOf(s.json, 'AWS::IAM::Policy').flatMap(([, p]) =>
    (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement.flatMap((st) =>
      asArray(st.Action).flatMap((action) =>
        asArray(p.Properties?.['Roles'] as { Ref: string }[]).map((r) => ({ role: r.Ref, action })),
      ),
    ),
  );
}

function functionResource(name: FunctionName): CfnResource {
  const r = s.json.Resources[fnId[name]];
  if (r === undefined) throw new Error(`no resource for ${name}`);
  return r;
}

/** The esbuild bundle of a function, from the cloud assembly. */
function bundleOf(name: FunctionName): string {
  const code = functionResource(name).Properties?.['Code'] as { S3Key: string };
  const file = path.join(s.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
  return readFileSync(file, 'utf8');
}

/**
 * AWS SDK v3 operations a bundle can send. The SDK is bundled
 * (FUNCTION_BUNDLING): each command class that survives tree-shaking is built
 * as `class extends <builder>(<client>, <config>, "<Operation>", ...)`. Were the
 * SDK left to the Lambda runtime, a bundle would import command classes
 * (`import{GetCommand as X}from"@aws-sdk/lib-dynamodb"`) and send an operation
 * when it constructs one (`new X(`); both forms are read.
 */
const CHECKED_OPERATIONS = {
  GetItem: 'dynamodb:GetItem',
  PutItem: 'dynamodb:PutItem',
  UpdateItem: 'dynamodb:UpdateItem',
  DeleteItem: 'dynamodb:DeleteItem',
  BatchGetItem: 'dynamodb:BatchGetItem',
  BatchWriteItem: 'dynamodb:BatchWriteItem',
  TransactWriteItems: 'dynamodb:TransactWriteItems',
  TransactGetItems: 'dynamodb:TransactGetItems',
  SendEmail: 'ses:SendEmail',
  SendRawEmail: 'ses:SendRawEmail',
  StartExecution: 'states:StartExecution',
  SendTaskSuccess: 'states:SendTaskSuccess',
  SendTaskFailure: 'states:SendTaskFailure',
  SendTaskHeartbeat: 'states:SendTaskHeartbeat',
  GetSecretValue: 'secretsmanager:GetSecretValue',
  PutEvents: 'events:PutEvents',
} as const;
type CheckedOperation = keyof typeof CHECKED_OPERATIONS;

/** lib-dynamodb's document commands and the DynamoDB operation each sends. */
const DOCUMENT_COMMANDS: Readonly<Record<string, string>> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactWriteCommand: 'TransactWriteItems',
  TransactGetCommand: 'TransactGetItems',
};

/** Commands imported from the runtime's SDK and constructed somewhere in the bundle, as operation names. */
function constructedSdkCommands(text: string): Set<string> {
  const ops = new Set<string>();
  for (const m of text.matchAll(/import\{([^}]*)\}from"(@aws-sdk\/[\w-]+)"/g)) {
    for (const spec of (m[1] ?? '').split(',')) {
      const [imported = '', local = imported] = spec.trim().split(/\s+as\s+/);
      if (!imported.endsWith('Command')) continue;
      if (!new RegExp(`new ${local.replace(/\$/g, '\\$')}\\(`).test(text)) continue;
      ops.add(m[2] === '@aws-sdk/lib-dynamodb' ? (DOCUMENT_COMMANDS[imported] ?? imported) : imported.slice(0, -'Command'.length));
    }
  }
  return ops;
}

function operationsInBundle(name: FunctionName): Set<CheckedOperation> {
  const text = bundleOf(name);
  const imported = constructedSdkCommands(text);
  const found = new Set<CheckedOperation>();
  for (const op of Object.keys(CHECKED_OPERATIONS) as CheckedOperation[]) {
    if (imported.has(op) || new RegExp(`extends [\\w$]+\\([\\w$]+,[\\w$]+,"${op}"`).test(text)) found.add(op);
  }
  return found;
}

describe('table', () => {
  it('is one on-demand table with PITR, TTL, deletion protection and RETAIN', () => {
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    s.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('has the four GSIs of table-schema.ts, byStage projecting keys only (only the local console reads it), the others ALL', () => {
    const [, table] = resourcesOf(s.json, 'AWS::DynamoDB::GlobalTable')[0] ?? [];
    const indexes = table?.Properties?.['GlobalSecondaryIndexes'] as {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      Projection: { ProjectionType: string };
    }[];
    expect(indexes.map((i) => i.IndexName).sort()).toEqual(['byReminderDue', 'byStage', 'byTeamFeedback', 'byTime']);
    for (const index of TABLE_SCHEMA.globalSecondaryIndexes) {
      expect(indexes).toContainEqual({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: index.projection },
      });
    }
    expect(indexes.find((i) => i.IndexName === 'byStage')?.Projection).toEqual({ ProjectionType: 'KEYS_ONLY' });
    const attributes = table?.Properties?.['AttributeDefinitions'] as { AttributeName: string; AttributeType: string }[];
    expect(attributes.map((a) => a.AttributeName).sort()).toEqual(['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'pk', 'sk']);
  });
});

describe('functions', () => {
  it('exist once per entry file, each bundled from functions/<name>.ts', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', FUNCTION_NAMES.length);
    for (const name of FUNCTION_NAMES) {
      expect(existsSync(path.join(REPO_ROOT, 'functions', `${name}.ts`)), name).toBe(true);
      expect(bundleOf(name).length, name).toBeGreaterThan(1000);
    }
  });

  it('run Node.js 22 or newer on arm64 with active tracing, JSON logs to their own group, explicit memory and timeout', () => {
    for (const name of FUNCTION_NAMES) {
      const p = functionResource(name).Properties ?? {};
      const runtime = String(p['Runtime']);
      expect(runtime, name).toMatch(/^nodejs(\d+)\.x$/);
      expect(Number(/^nodejs(\d+)/.exec(runtime)?.[1]), name).toBeGreaterThanOrEqual(22);
      expect(p['Architectures'], name).toEqual(['arm64']);
      expect(p['TracingConfig'], name).toEqual({ Mode: 'Active' });
      expect(p['MemorySize'], name).toBe(512);
      expect(p['Timeout'], name).toBe(FUNCTIONS[name].timeoutSeconds);
      expect(p['Handler'], name).toBe('index.handler');
      const logging = p['LoggingConfig'] as { LogFormat: string; LogGroup: unknown };
      expect(logging.LogFormat, name).toBe('JSON');
      expect(logging.LogGroup, name).toEqual({ Ref: expect.stringMatching(/Logs/) as unknown });
    }
    const groups = resourcesOf(s.json, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(FUNCTION_NAMES.length + 2);
    for (const [, g] of groups) expect(g.Properties?.['RetentionInDays']).toBe(SETTINGS.logRetentionDays.default);
  });

  it('are minified ESM bundles with a createRequire banner and source maps enabled', () => {
    for (const name of FUNCTION_NAMES) {
      const text = bundleOf(name);
      expect(text.startsWith("import { createRequire as __pipelineCreateRequire } from 'node:module';"), name).toBe(true);
      expect(text, name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      const code = functionResource(name).Properties?.['Code'] as { S3Key: string };
      expect(existsSync(path.join(s.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs.map')), name).toBe(true);
      const env = (functionResource(name).Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(env['NODE_OPTIONS'], name).toBe('--enable-source-maps');
      expect(env['POWERTOOLS_SERVICE_NAME'], name).toBe('the-model-pipeline');
      expect(env['POWERTOOLS_METRICS_NAMESPACE'], name).toBe('TheModelPipeline');
    }
  });

  it('carry the AWS SDK v3 they use, importing at run time only the credential providers the chain loads lazily', () => {
    for (const name of FUNCTION_NAMES) {
      const text = bundleOf(name);
      expect(text, name).toMatch(/extends [\w$]+\([\w$]+,[\w$]+,"Query"/);
      expect(text, name).not.toMatch(/from"@aws-sdk\//);
      const imported = [...text.matchAll(/import\("(@aws-sdk\/[\w-]+)"\)/g)].map((m) => m[1]);
      expect(imported.length, name).toBeGreaterThan(0);
      for (const p of imported) expect(LAZY_CREDENTIAL_PROVIDERS, `${name} imports ${p}`).toContain(p);
    }
    // Clients a function does not use are not in its bundle (functions/lib/aws/clients.ts builds them as pure values).
    const page = bundleOf('feedback-page');
    expect(page).toMatch(/extends [\w$]+\([\w$]+,[\w$]+,"SendTaskSuccess"/);
    expect(page).not.toMatch(/"(SendEmail|GetSecretValue)"/);
  });

  it('get the environment variables their entry files require at load', () => {
    for (const name of FUNCTION_NAMES) {
      const source = readFileSync(path.join(REPO_ROOT, 'functions', `${name}.ts`), 'utf8');
      const read: SettingDeclaration[] = [...source.matchAll(/setting\('(\w+)'\)/g)].map((m) => SETTINGS[m[1] as SettingKey]);
      const required = [
        ...[...source.matchAll(/requireEnv\(ENV\.(\w+)\)/g)].map((m) => ENV[m[1] as keyof typeof ENV]),
        // Settings without a default at run time (a setting with one may be unset).
        ...read.flatMap((d) => (d.envRequired === true && d.env !== undefined ? [d.env] : [])),
      ];
      const env = (functionResource(name).Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      // Lazily required by the shared modules, when the function uses them:
      const ops = operationsInBundle(name);
      const lazily = [
        ...(ops.has('SendEmail') ? [ENV.mailFrom] : []),
        ...(ops.has('StartExecution') ? [ENV.stateMachineArn] : []),
        ...([...ops].some((op) => CHECKED_OPERATIONS[op].startsWith('dynamodb:')) ? [ENV.tableName] : []),
      ];
      expect(Object.keys(env), `${name} needs them`).toEqual(expect.arrayContaining([...required, ...lazily]));
    }
  });

  it('get the same PUBLIC_BASE_URL: the HTTP API endpoint built from the Api resource', () => {
    const apiId = s.stack.getLogicalId(s.stack.http.api.node.defaultChild as CfnElement);
    for (const name of ['request-feedback', 'remind-pending'] as const) {
      const env = (functionResource(name).Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      // The Api resource depends on nothing (routes, integrations and the stage
      // depend on it), so referencing it from functions makes no cycle.
      expect(env[ENV.publicBaseUrl], name).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
      expect(s.json.Resources[apiId]?.DependsOn, name).toBeUndefined();
    }
  });

  it('with a custom domain, PUBLIC_BASE_URL is that domain', () => {
    // Cheap: the settings decide the value; the stack passes it through unchanged.
    const settings = resolveSettings({}, (key) => (key === 'publicBaseUrl' ? 'https://pipeline.example.com' : undefined));
    expect(settings.publicBaseUrl).toBe('https://pipeline.example.com');
  });
});

describe('least privilege', () => {
  it('each function is granted exactly the SDK operations its bundle sends (and the table operations of its spec)', () => {
    let sawAny = false;
    for (const name of FUNCTION_NAMES) {
      const used = operationsInBundle(name);
      if (used.size > 0) sawAny = true;
      const granted = actionsOfRole(roleId[name]);
      for (const op of used) expect(granted, `${name} sends ${op}`).toContain(CHECKED_OPERATIONS[op]);
      // Granted as a pair (Mail.grantSend); SendTaskFailure/Heartbeat are granted to no one.
      const companion = (action: string) => action === 'ses:SendRawEmail' && used.has('SendEmail');
      const unused = Object.entries(CHECKED_OPERATIONS).filter(([op, action]) => !used.has(op as CheckedOperation) && !companion(action));
      expect(unused.filter(([, action]) => granted.has(action)).map(([op]) => op), `${name} is granted operations it does not send`).toEqual([]);
      const tableActions = [...granted].filter((a) => a.startsWith('dynamodb:')).sort();
      expect(tableActions, name).toEqual(FUNCTIONS[name].table.map((op) => `dynamodb:${op}`).sort());
    }
    expect(sawAny).toBe(true);
    expect(operationsInBundle('capture-lead')).toContain('StartExecution');
    expect([...operationsInBundle('feedback-page')]).toEqual(expect.arrayContaining(['SendTaskSuccess', 'SendTaskHeartbeat']));
  });

  it('only feedback-page may answer tasks (SendTaskSuccess); it, teams and remind-pending may ask whether one still waits (SendTaskHeartbeat: reassignment), on this state machine only', () => {
    const taskActions = allPolicyActions().filter((a) => /^states:SendTask/.test(a.action));
    expect(new Set(taskActions.map((a) => a.action))).toEqual(new Set(['states:SendTaskSuccess', 'states:SendTaskHeartbeat']));
    expect(new Set(taskActions.filter((a) => a.action === 'states:SendTaskSuccess').map((a) => a.role))).toEqual(new Set([roleId['feedback-page']]));
    expect(new Set(taskActions.filter((a) => a.action === 'states:SendTaskHeartbeat').map((a) => a.role))).toEqual(new Set([roleId['feedback-page'], roleId.teams, roleId['remind-pending']]));
    for (const name of ['teams', 'remind-pending'] as const) {
      const st = statementsOfRole(roleId[name]).find((x) => asArray(x.Action).includes('states:SendTaskHeartbeat'));
      expect(JSON.stringify(st?.Resource)).toContain(s.stack.getLogicalId(s.stack.workflow.stateMachine.node.defaultChild as CfnElement));
    }
  });

  it('only capture-lead, lead-webhook and open-expansion may start executions, on this state machine only', () => {
    const starts = allPolicyActions().filter((a) => a.action === 'states:StartExecution');
    expect(new Set(starts.map((a) => a.role))).toEqual(new Set([roleId['capture-lead'], roleId['lead-webhook'], roleId['open-expansion']]));
    for (const name of ['capture-lead', 'lead-webhook', 'open-expansion'] as const) {
      const st = statementsOfRole(roleId[name]).find((x) => asArray(x.Action).includes('states:StartExecution'));
      expect(JSON.stringify(st?.Resource)).toContain(`:stateMachine:${s.stack.workflow.stateMachineName}`);
    }
  });

  it('only the functions behind the keyed routes may read the API key secret', () => {
    const keyed = ['capture-lead', 'delete-lead', 'funnel', 'goal', 'teams'] as const;
    const apiKey = { Ref: s.stack.getLogicalId(s.stack.http.apiKey.node.defaultChild as CfnElement) };
    const reads = allPolicyActions().filter((a) => a.action.startsWith('secretsmanager:'));
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(reads.map((a) => a.action))).toEqual(new Set(['secretsmanager:GetSecretValue']));
    const readers = FUNCTION_NAMES.filter((n) => statementsOfRole(roleId[n]).some((x) => asArray(x.Action).includes('secretsmanager:GetSecretValue') && JSON.stringify(x.Resource) === JSON.stringify(apiKey)));
    expect(readers.sort()).toEqual([...keyed].sort());
    for (const name of keyed) {
      const env = (functionResource(name).Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(env[ENV.apiKeySecretId], name).toEqual({ Ref: s.stack.getLogicalId(s.stack.http.apiKey.node.defaultChild as CfnElement) });
    }
  });

  it('every function whose bundle sends PutEvents publishes domain events (the bus and the grant: events-webhooks.test.ts)', () => {
    expect(FUNCTION_NAMES.filter((name) => operationsInBundle(name).has('PutEvents') && FUNCTIONS[name].publishesEvents !== true)).toEqual([]);
    expect(operationsInBundle('close-deal')).toContain('PutEvents');
  });

  it('mail senders may send only from the configured address: the sender identity, and in the SES sandbox (the default) the recipients\' identities', () => {
    const sendStatement = (name: FunctionName) => statementsOfRole(roleId[name]).find((x) => asArray(x.Action).includes('ses:SendEmail'));
    expect(FUNCTION_NAMES.filter((name) => !FUNCTIONS[name].sendsMail && sendStatement(name) !== undefined)).toEqual([]);
    const mailSenders = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].sendsMail);
    expect(mailSenders.length).toBeGreaterThan(0);
    for (const name of mailSenders) {
      const st = sendStatement(name);
      expect(st?.Condition, name).toEqual({ StringEquals: { 'ses:FromAddress': 'pipeline@example.com' } });
      expect(JSON.stringify(st?.Resource), name).toContain(':identity/pipeline@example.com');
      expect(JSON.stringify(st?.Resource), name).toContain(':identity/*');
    }
  });

  it('no policy grants Scan or a wildcard action', () => {
    const actions = allPolicyActions();
    expect(actions.filter((a) => a.action === 'dynamodb:Scan')).toEqual([]);
    expect(actions.filter((a) => a.action.endsWith('*') && !a.action.startsWith('kms:'))).toEqual([]);
  });

  it('the state machine may invoke exactly the functions its definition names', () => {
    const smRole = s.stack.getLogicalId(s.stack.workflow.stateMachine.role.node.defaultChild as CfnElement);
    const invoke = statementsOfRole(smRole).filter((x) => asArray(x.Action).includes('lambda:InvokeFunction'));
    const resources = invoke.flatMap((x) => asArray(x.Resource as unknown[]));
    const invoked = FUNCTION_NAMES.filter((n) => FUNCTIONS[n].aslPlaceholder !== undefined);
    expect(resources).toHaveLength(invoked.length);
    for (const name of invoked) expect(resources).toContainEqual({ 'Fn::GetAtt': [fnId[name], 'Arn'] });
  });
});

describe('state machine', () => {
  it('is one STANDARD state machine with ALL-level logs without execution data to a vended log group, and tracing', () => {
    s.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: s.stack.workflow.stateMachineName,
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        IncludeExecutionData: false,
        Level: Match.anyValue(),
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
    const [, sm] = resourcesOf(s.json, 'AWS::StepFunctions::StateMachine')[0] ?? [];
    const level = (sm?.Properties?.['LoggingConfiguration'] as { Level: string }).Level;
    expect(['ALL', 'ERROR']).toContain(level);
    // Named after the state machine and the stack's id (kept on delete, so never a fixed name).
    const logGroup = s.json.Resources[s.stack.getLogicalId(s.stack.workflow.logGroup.node.defaultChild as CfnElement)];
    const name = JSON.stringify(logGroup?.Properties?.['LogGroupName']);
    expect(name).toContain(`/aws/vendedlogs/states/${s.stack.workflow.stateMachineName}-`);
    expect(name).toContain('AWS::StackId');
    expect(s.stack.workflow.stateMachineName.length).toBeLessThanOrEqual(80);
  });

  it('is the ASL file unchanged, with every placeholder substituted: function ARNs and the SLA numbers', () => {
    const [, sm] = resourcesOf(s.json, 'AWS::StepFunctions::StateMachine')[0] ?? [];
    const location = sm?.Properties?.['DefinitionS3Location'] as { Key: string };
    const uploaded = readFileSync(path.join(s.outdir, `asset.${location.Key}`), 'utf8');
    const file = readFileSync(ASL_FILE, 'utf8');
    expect(uploaded).toBe(file);

    const substitutions = sm?.Properties?.['DefinitionSubstitutions'] as Record<string, unknown>;
    const placeholders = new Set([...file.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(new Set(Object.keys(substitutions))).toEqual(placeholders);
    expect(placeholders).toEqual(new Set([...ASL_FUNCTION_PLACEHOLDERS, ...ASL_NUMBER_PLACEHOLDERS, ASL_PARTITION_PLACEHOLDER]));
    // The partition: the deploy's.
    expect(substitutions[ASL_PARTITION_PLACEHOLDER]).toEqual({ Ref: 'AWS::Partition' });

    // Numbers: the defaults, as strings.
    const numbers = aslNumbers(s.stack.settings);
    for (const key of ASL_NUMBER_PLACEHOLDERS) expect(substitutions[key], key).toBe(numbers[key]);
    expect(substitutions['QualificationCallSlaSeconds']).toBe('14400');

    // ARNs: GetAtt of the function named by the placeholder.
    const expected: Record<string, string> = { ...numbers, [ASL_PARTITION_PLACEHOLDER]: 'aws' };
    for (const name of FUNCTION_NAMES) {
      const placeholder = FUNCTIONS[name].aslPlaceholder;
      if (placeholder === undefined) continue;
      expect(substitutions[placeholder], placeholder).toEqual({ 'Fn::GetAtt': [fnId[name], 'Arn'] });
      expected[placeholder] = `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
    }

    // What CloudFormation deploys: the file with the placeholders replaced.
    const deployed = JSON.parse(substitute(file, expected)) as {
      States: Record<string, { Type: string; Arguments?: { FunctionName?: string }; TimeoutSeconds?: unknown }>;
    };
    expect(deployed.States['Qualify lead']?.Arguments?.FunctionName).toBe(expected['QualifyLeadFunctionArn']);
    expect(deployed.States['Await qualification call']?.TimeoutSeconds).toBe("{% $number('14400') %}");
    expect(deployed.States['Needs attention']?.Arguments?.FunctionName).toContain('function:record-outcome');
    const tasks = Object.entries(deployed.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const [name, state] of tasks) expect(state.Arguments?.FunctionName, name).toMatch(/^arn:aws:lambda:/);
  });
});

describe('HTTP API', () => {
  it('routes POST /leads, POST /webhooks/leads, DELETE /leads/{id}, GET /funnel, GET|PUT /goal, the /teams routes and the feedback routes without an API Gateway authorizer (the functions check the key)', () => {
    s.template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    s.template.resourceCountIs('AWS::ApiGatewayV2::Route', 13);
    s.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    const routes = resourcesOf(s.json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties ?? {});
    const byKey = new Map(routes.map((r) => [r['RouteKey'], r]));
    expect([...byKey.keys()].sort()).toEqual(['DELETE /leads/{id}', 'DELETE /teams/{team}/members/{email}', 'GET /feedback/{id}', 'GET /funnel', 'GET /goal', 'GET /teams', 'HEAD /feedback/{id}', 'POST /feedback/{id}', 'POST /leads', 'POST /webhooks/leads', 'PUT /goal', 'PUT /teams/{team}/lead/{email}', 'PUT /teams/{team}/members/{email}']);
    for (const [key, route] of byKey) expect(route['AuthorizationType'] ?? 'NONE', String(key)).toBe('NONE');
    expect(resourcesOf(s.json, 'AWS::Lambda::Function').filter(([id]) => /authoriz/i.test(id))).toEqual([]);
  });

  it('integrates the right functions', () => {
    const integrations = resourcesOf(s.json, 'AWS::ApiGatewayV2::Integration').map(([, r]) => JSON.stringify(r.Properties));
    expect(integrations).toHaveLength(7);
    for (const name of ['capture-lead', 'funnel', 'feedback-page', 'delete-lead', 'goal', 'teams', 'lead-webhook'] as const) {
      expect(integrations.some((i) => i.includes(`"${fnId[name]}"`)), name).toBe(true);
    }
  });

  it('throttles the $default stage and writes access logs without paths or headers', () => {
    s.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: SETTINGS.apiRateLimit.default, ThrottlingBurstLimit: SETTINGS.apiBurstLimit.default },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: JSON.stringify(ACCESS_LOG_FIELDS) },
    });
    const format = JSON.stringify(ACCESS_LOG_FIELDS);
    expect(format).toContain('$context.routeKey');
    expect(format).not.toContain('$context.path');
    expect(format).not.toMatch(/header/i);
  });

  it('keeps the bearer key and the webhook secret in generated secrets, kept on delete', () => {
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    for (const secret of [s.stack.http.apiKey, s.stack.http.webhookSecret]) {
      const resource = s.json.Resources[s.stack.getLogicalId(secret.node.defaultChild as CfnElement)];
      expect(resource?.Properties?.['GenerateSecretString']).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
      expect((resource as { DeletionPolicy?: string } | undefined)?.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('mail', () => {
  it('verifies the sender identity with a configuration set that requires TLS and tracks no clicks', () => {
    s.template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'pipeline@example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    s.template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
    const [, configSet] = resourcesOf(s.json, 'AWS::SES::ConfigurationSet')[0] ?? [];
    expect(configSet?.Properties?.['TrackingOptions']).toBeUndefined();
    expect(configSet?.Properties?.['VdmOptions']).toBeUndefined();
  });
});

describe('operations', () => {
  it('alarms on leads waiting for ops, timed-out and throttled executions, every function, and API 5xx, to one SNS topic', () => {
    const alarms = resourcesOf(s.json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    const smAlarms = alarms.filter((a) => a['Namespace'] === 'AWS/States');
    expect(smAlarms.map((a) => a['MetricName']).sort()).toEqual(['ExecutionThrottled', 'ExecutionsTimedOut']); // FAILED: a lead someone closed, not an alarm
    expect(alarms.filter((a) => a['MetricName'] === RESCUE_METRIC.name)).toEqual([expect.objectContaining({ Namespace: 'TheModelPipeline', Threshold: 1, Dimensions: expect.arrayContaining([{ Name: RESCUE_METRIC.kindDimension, Value: 'failed' }]) })]);
    const fnAlarms = alarms.filter((a) => a['Namespace'] === 'AWS/Lambda' && a['MetricName'] === 'Errors');
    expect(fnAlarms).toHaveLength(FUNCTION_NAMES.length);
    expect(alarms.some((a) => a['Namespace'] === 'AWS/ApiGateway' && a['MetricName'] === '5xx')).toBe(true);
    expect(alarms.some((a) => a['Namespace'] === 'AWS/SQS' && a['MetricName'] === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    s.template.resourceCountIs('AWS::SNS::Topic', 1);
    const topicId = s.stack.getLogicalId(s.stack.monitoring.topic.node.defaultChild as CfnElement);
    for (const a of alarms) expect(a['AlarmActions']).toEqual([{ Ref: topicId }]);
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('has a dashboard with the funnel metrics in namespace TheModelPipeline', () => {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [, dashboard] = resourcesOf(s.json, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    const body = JSON.stringify(dashboard?.Properties?.['DashboardBody']);
    for (const m of FUNNEL_METRICS) expect(body, m.metricName).toContain(m.metricName);
    expect(body).toContain('TheModelPipeline');
    expect(body).toContain('RevenueWon');
    for (const m of ['ExecutionsFailed', RESCUE_METRIC.name]) expect(body).toContain(m);
  });

  it('runs remind-pending every 15 minutes, with retries and a dead-letter queue', () => {
    s.template.resourceCountIs('AWS::Events::Rule', 1);
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId['remind-pending'], 'Arn'] },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    expect(functionResource('remind-pending').Properties?.['DeadLetterConfig']).toBeDefined();
  });
});

describe('digest schedule', () => {
  const scheduleProps = (): Record<string, unknown> => {
    const found = resourcesOf(s.json, 'AWS::Scheduler::Schedule');
    expect(found).toHaveLength(1);
    return found[0]?.[1].Properties ?? {};
  };
  const scheduleRoleId = (): string => s.stack.getLogicalId(s.stack.digestSchedule.role.node.defaultChild as CfnElement);

  it('invokes send-digest on Mondays at 08:00 UTC through EventBridge Scheduler, with its fire time, retries and a dead-letter queue', () => {
    const p = scheduleProps();
    expect(p['ScheduleExpression']).toBe(SETTINGS.digestSchedule.default);
    expect(p['ScheduleExpression']).toBe('cron(0 8 ? * MON *)');
    expect(p['ScheduleExpressionTimezone']).toBe('UTC');
    expect(p['State']).toBe('ENABLED');
    expect(p['FlexibleTimeWindow']).toEqual({ Mode: 'OFF' });
    const target = p['Target'] as { Arn: unknown; RoleArn: unknown; Input: string; RetryPolicy: unknown; DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } };
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [fnId['send-digest'], 'Arn'] });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [scheduleRoleId(), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 6 * 3600 });
    const dlq = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(s.json.Resources[dlq]?.Type).toBe('AWS::SQS::Queue');
    // The function's own asynchronous failures land in the same queue, which is alarmed.
    expect(functionResource('send-digest').Properties?.['DeadLetterConfig']).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    const env = (functionResource('send-digest').Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect([env[ENV.digestSchedule], env[ENV.digestTimezone]]).toEqual(['cron(0 8 ? * MON *)', 'UTC']);
  });

  it("its role is EventBridge Scheduler's in this account only, and may invoke send-digest and write to the queue, nothing else", () => {
    const role = s.json.Resources[scheduleRoleId()]?.Properties ?? {};
    expect(role['AssumeRolePolicyDocument']).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }],
    });
    expect(role['ManagedPolicyArns']).toBeUndefined();
    const statements = statementsOfRole(scheduleRoleId());
    expect(new Set(statements.flatMap((st) => asArray(st.Action)))).toEqual(new Set(['lambda:InvokeFunction', 'sqs:SendMessage']));
    const invoke = statements.filter((st) => asArray(st.Action).includes('lambda:InvokeFunction')).flatMap((st) => asArray(st.Resource as unknown[]));
    expect(invoke).toEqual([{ 'Fn::GetAtt': [fnId['send-digest'], 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId['send-digest'], 'Arn'] }, ':*']] }]);
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions reports nothing unacknowledged', () => {
    const open = s.nag.awsSolutions.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(open).toEqual([]);
    expect(s.nag.awsSolutions.success).toBe(true);
  });

  it('Serverless reports nothing unacknowledged', () => {
    const open = s.nag.serverless.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(open).toEqual([]);
  });

  it('every acknowledgement has a written reason', () => {
    const acknowledged: { path: string; id: string; reason: string }[] = [];
    for (const c of s.stack.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          acknowledged.push({ path: c.node.path, id, reason: String(reason) });
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
  });
});
