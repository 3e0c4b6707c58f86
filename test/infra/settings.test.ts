/**
 * infra/settings.ts, asl-substitutions.ts, function-table.ts and
 * table-schema.ts: plain modules the stack and the local dev server share (no synth here).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV, SettingsError, parseSetting, type SettingDeclaration } from '#lib/aws/config';
import { SETTINGS, SETTING_KEYS, senderAddress } from '#lib/aws/settings';
import { INDEX } from '#lib/core/keys';
import { FUNNEL_DIMENSION, FUNNEL_METRIC } from '#lib/funnel/metrics';
import { FUNNEL_METRICS, REVENUE_METRIC } from '../../infra/constructs/monitoring';
import { ASL_FILE, REPO_ROOT } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, aslNumbers, aslSubstitutions, type AslFunctionPlaceholder } from '../../infra/asl-substitutions';
import { FUNCTION_NAMES, FUNCTIONS, functionEnvironment, type PipelineResources } from '../../infra/function-table';
import { MAX_EXECUTION_SECONDS, resolveSettings, worstCaseExecutionSeconds } from '../../infra/settings';
import { INDEX_NAMES, TABLE_SCHEMA, attributeDefinitions, createTableInput, timeToLiveInput } from '../../infra/table-schema';

const RESOURCES: PipelineResources = {
  tableName: 'pipeline',
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:lead-lifecycle',
  publicBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
  apiKeySecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key',
  webhookSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook',
  eventBusName: 'the-model-pipeline-events',
};

/** A context reader over a plain object, as `-c key=value` gives strings. */
const context =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('resolveSettings', () => {
  it('has documented defaults: 4 h speed to lead, example.com teams, a sender', () => {
    const s = resolveSettings();
    expect(s.qualificationCallSlaSeconds).toBe(4 * 3600);
    expect(s.maxCheckIns).toBe(SETTINGS.maxCheckIns.default);
    expect(s.maxReschedules).toBe(2);
    expect(s.mailFrom).toBe('The Model pipeline <pipeline@example.com>');
    expect(s.mailIdentity).toBe('pipeline@example.com');
    expect(s.teams['inside-sales'].members.length).toBeGreaterThan(0);
    expect(s.publicBaseUrl).toBeUndefined();
    expect(s.scoringWeights).toBeUndefined();
    // The defaults fit in one Standard execution even if every wait times out once.
    expect(worstCaseExecutionSeconds(s)).toBeLessThanOrEqual(MAX_EXECUTION_SECONDS);
  });

  it('reads CDK context strings (numbers and JSON) and lets explicit props win', () => {
    const teams = {
      marketing: { lead: 'm@corp.test', members: ['m1@corp.test'] },
      'inside-sales': { lead: 'i@corp.test', members: ['i1@corp.test'] },
      'field-sales': { lead: 'f@corp.test', members: ['f1@corp.test'] },
      'customer-success': { lead: 'c@corp.test', members: ['c1@corp.test'] },
      ops: { lead: 'ops@corp.test' },
    };
    const s = resolveSettings(
      { maxReschedules: 1 },
      context({ maxCheckIns: '6', maxReschedules: '5', teams: JSON.stringify(teams), scoringWeights: '{"otherIndustry":0.1}', alarmEmail: 'ops@corp.test' }),
    );
    expect(s.maxCheckIns).toBe(6);
    expect(s.maxReschedules).toBe(1);
    expect(s.teams).toEqual(teams);
    expect(s.scoringWeights).toEqual({ otherIndustry: 0.1 });
    expect(s.alarmEmail).toBe('ops@corp.test');
  });

  it('fails naming the setting', () => {
    expect(() => resolveSettings({}, context({ maxCheckIns: 'many' }))).toThrow(/maxCheckIns/);
    expect(() => resolveSettings({}, context({ qualificationCallSlaSeconds: '10' }))).toThrow(/qualificationCallSlaSeconds/);
    expect(() => resolveSettings({}, context({ teams: '{not json' }))).toThrow(/teams is not valid JSON/);
    expect(() => resolveSettings({}, context({ teams: '{"marketing":{"lead":"x","members":[]}}' }))).toThrow(/Setting teams\.marketing/);
    expect(() => resolveSettings({}, context({ mailFrom: 'nobody' }))).toThrow(/mailFrom/);
    expect(() => resolveSettings({}, context({ mailFrom: 'a@b.test\r\nBcc: x@y.test' }))).toThrow(/mailFrom/);
    expect(() => resolveSettings({}, context({ logRetentionDays: '42' }))).toThrow(/logRetentionDays/);
    expect(() => resolveSettings({}, context({ publicBaseUrl: 'https://x.test/' }))).toThrow(/publicBaseUrl/);
    expect(() => resolveSettings({}, context({ scoringWeights: '{"nope":1}' }))).toThrow(SettingsError);
    expect(() => resolveSettings({}, context({ scoringWeights: '{"nope":1}' }))).toThrow(/scoringWeights/);
  });

  it('schedules the digest weekly by default and names digestSchedule or digestTimezone when they are bad', () => {
    const s = resolveSettings();
    expect([s.digestSchedule, s.digestTimezone]).toEqual(['cron(0 8 ? * MON *)', 'UTC']);
    expect(resolveSettings({}, context({ digestSchedule: 'rate(1 day)', digestTimezone: 'Europe/Paris' })).digestSchedule).toBe('rate(1 day)');
    expect(() => resolveSettings({}, context({ digestSchedule: 'every monday' }))).toThrow(/Setting digestSchedule: must be rate/);
    expect(() => resolveSettings({}, context({ digestSchedule: 'cron(0 8 * * MON *)' }))).toThrow(/Setting digestSchedule: exactly one of/);
    expect(() => resolveSettings({}, context({ digestTimezone: 'Mars/Olympus' }))).toThrow(/Setting digestTimezone/);
    const env = functionEnvironment('send-digest', resolveSettings({}, context({ digestTimezone: 'Europe/Paris' })), RESOURCES);
    expect([env[ENV.digestSchedule], env[ENV.digestTimezone]]).toEqual(['cron(0 8 ? * MON *)', 'Europe/Paris']);
  });

  it('reads every documented key', () => {
    const seen: string[] = [];
    resolveSettings({}, (key) => {
      seen.push(key);
      return undefined;
    });
    expect(seen).toEqual([...SETTING_KEYS]);
  });

  it('takes the sender address out of a display name', () => {
    expect(senderAddress('The Model <sales@corp.test>')).toBe('sales@corp.test');
    expect(senderAddress('sales@corp.test')).toBe('sales@corp.test');
    expect(resolveSettings({ mailFrom: 'Sales <sales@corp.test>', mailIdentity: 'corp.test' }).mailIdentity).toBe('corp.test');
  });

  it('estimates the worst-case execution length (for the one-year warning)', () => {
    const s = resolveSettings({ checkInIntervalSeconds: 90 * 86_400, maxCheckIns: 4 });
    expect(worstCaseExecutionSeconds(s)).toBeGreaterThan(MAX_EXECUTION_SECONDS);
  });
});

describe('ASL substitutions', () => {
  it('substitutes the numbers as strings and the function ARNs as given', () => {
    const arns = Object.fromEntries(ASL_FUNCTION_PLACEHOLDERS.map((p) => [p, `arn:local:${p}`])) as Record<AslFunctionPlaceholder, string>;
    const values = aslSubstitutions(resolveSettings({ checkInSlaSeconds: 3600 }), arns, 'aws-cn');
    expect(values.CheckInSlaSeconds).toBe('3600');
    expect(values.Partition).toBe('aws-cn');
    expect(values.QualificationCallSlaSeconds).toBe('14400');
    expect(values.QualifyLeadFunctionArn).toBe('arn:local:QualifyLeadFunctionArn');
    const placeholders = new Set([...readFileSync(ASL_FILE, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(new Set(Object.keys(values))).toEqual(placeholders);
    for (const v of Object.values(aslNumbers(resolveSettings()))) expect(v).toMatch(/^\d+$/);
  });

  it('each state-machine function has a placeholder, and each placeholder one function', () => {
    const mapped = FUNCTION_NAMES.map((n) => FUNCTIONS[n].aslPlaceholder).filter((p) => p !== undefined);
    expect(new Set(mapped)).toEqual(new Set(ASL_FUNCTION_PLACEHOLDERS));
    expect(mapped).toHaveLength(ASL_FUNCTION_PLACEHOLDERS.length);
    for (const n of FUNCTION_NAMES) expect(FUNCTIONS[n].aslPlaceholder !== undefined, n).toBe(FUNCTIONS[n].trigger === 'state-machine');
  });
});

describe('functionEnvironment', () => {
  it('gives each function Powertools settings plus exactly the variables it reads', () => {
    const s = resolveSettings();
    const funnel = functionEnvironment('funnel', s, RESOURCES);
    expect(funnel).toEqual({
      POWERTOOLS_SERVICE_NAME: 'the-model-pipeline',
      POWERTOOLS_METRICS_NAMESPACE: 'TheModelPipeline',
      TABLE_NAME: RESOURCES.tableName,
      API_KEY_SECRET_ID: RESOURCES.apiKeySecretId,
    });
    const request = functionEnvironment('request-feedback', s, RESOURCES);
    expect(request[ENV.publicBaseUrl]).toBe(RESOURCES.publicBaseUrl);
    expect(request[ENV.mailFrom]).toBe(s.mailFrom);
    expect(request[ENV.reminderAfterFraction]).toBe('0.5');
    // The roster is in the table (functions/lib/teams/roster.ts): no address of a member rides in any environment.
    for (const name of FUNCTION_NAMES) expect(Object.values(functionEnvironment(name, s, RESOURCES)).join(' '), name).not.toContain(s.teams['inside-sales'].members[0]);
    expect(functionEnvironment('capture-lead', s, RESOURCES)[ENV.stateMachineArn]).toBe(RESOURCES.stateMachineArn);
    expect(functionEnvironment('funnel', s, RESOURCES)).not.toHaveProperty(ENV.mailFrom);
  });

  it('gives a setting under its declared variable, as the functions read it back (functions/lib/aws/settings.ts)', () => {
    const s = resolveSettings({ scoringWeights: { otherIndustry: 0.1 }, reminderAfterFraction: 0.25, digestTimezone: 'Europe/Paris' });
    for (const key of SETTING_KEYS) {
      const declaration: SettingDeclaration = SETTINGS[key];
      const variable = declaration.env;
      if (variable === undefined) continue;
      expect(variable, key).toBe(ENV[key as keyof typeof ENV]);
      const written = FUNCTION_NAMES.map((name) => functionEnvironment(name, s, RESOURCES)[variable]).find((v) => v !== undefined);
      expect(parseSetting(declaration, written, variable), key).toEqual(s[key]);
    }
  });

  it('passes SCORING_WEIGHTS only when set, and prefers a custom domain for links', () => {
    expect(functionEnvironment('qualify-lead', resolveSettings(), RESOURCES)).not.toHaveProperty(ENV.scoringWeights);
    const weighted = resolveSettings({ scoringWeights: { otherIndustry: 0.1 }, publicBaseUrl: 'https://pipeline.corp.test' });
    expect(JSON.parse(functionEnvironment('qualify-lead', weighted, RESOURCES)[ENV.scoringWeights] ?? '')).toEqual({ otherIndustry: 0.1 });
    expect(functionEnvironment('remind-pending', weighted, RESOURCES)[ENV.publicBaseUrl]).toBe('https://pipeline.corp.test');
  });

  it('mail senders get MAIL_FROM, not TEAMS; starters and stoppers get STATE_MACHINE_ARN', () => {
    const s = resolveSettings();
    const mailSenders = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].sendsMail);
    expect(mailSenders.length).toBeGreaterThan(0);
    for (const name of mailSenders) {
      const env = functionEnvironment(name, s, RESOURCES);
      expect(env, name).toHaveProperty(ENV.mailFrom);
      expect(env, name).not.toHaveProperty('TEAMS');
    }
    for (const name of FUNCTION_NAMES) {
      const env = functionEnvironment(name, s, RESOURCES);
      expect(ENV.stateMachineArn in env, name).toBe(FUNCTIONS[name].startsExecutions || FUNCTIONS[name].stopsExecutions === true);
      expect(ENV.tableName in env, name).toBe(FUNCTIONS[name].table.length > 0);
    }
  });
});

describe('table schema', () => {
  it('names the same indexes the functions query', () => {
    expect(INDEX_NAMES).toEqual(INDEX);
    expect(TABLE_SCHEMA.globalSecondaryIndexes.map((i) => i.indexName)).toEqual(Object.values(INDEX));
  });

  it('gives a CreateTable input for the identical table', () => {
    const input = createTableInput('pipeline');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(input.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName), i.Projection?.ProjectionType])).toEqual([
      ['byStage', ['gsi1pk', 'gsi1sk'], 'KEYS_ONLY'],
      ['byTeamFeedback', ['gsi2pk', 'gsi2sk'], 'ALL'],
      ['byReminderDue', ['gsi3pk', 'gsi3sk'], 'ALL'],
      ['byTime', ['gsi4pk', 'gsi4sk'], 'ALL'],
    ]);
    expect(input.AttributeDefinitions).toHaveLength(10);
    expect(timeToLiveInput('pipeline').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('rejects an attribute declared with two types', () => {
    const bad = {
      ...TABLE_SCHEMA,
      globalSecondaryIndexes: [{ indexName: 'x', partitionKey: { name: 'pk', type: 'N' as const }, sortKey: { name: 'sk', type: 'S' as const }, projection: 'ALL' as const }],
    };
    expect(() => attributeDefinitions(bad)).toThrow(/pk/);
  });
});

describe('dashboard metrics', () => {
  it('are metrics the functions emit, with the dimensions the dashboard selects', () => {
    const dir = path.join(REPO_ROOT, 'functions');
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    // Names as literals, or through the shared constants of functions/lib/funnel/metrics.ts.
    const metricConst = FUNNEL_METRIC as Record<string, string>;
    const dimensionConst = FUNNEL_DIMENSION as Record<string, string>;
    const emitted = new Set([
      ...[...sources.matchAll(/addMetric\(\s*'(\w+)'/g)].map((m) => m[1]),
      ...[...sources.matchAll(/addMetric\(\s*FUNNEL_METRIC\.(\w+)/g)].map((m) => metricConst[m[1] ?? '']),
    ]);
    const dimensions = new Set([
      ...[...sources.matchAll(/addDimension\(\s*'(\w+)'/g)].map((m) => m[1]),
      ...[...sources.matchAll(/addDimensions?\(\s*\{?\s*\[?FUNNEL_DIMENSION\.(\w+)/g)].map((m) => dimensionConst[m[1] ?? '']),
    ]);
    for (const m of [...FUNNEL_METRICS, { metricName: REVENUE_METRIC.metricName, dimensions: { [REVENUE_METRIC.dimension]: '' } }]) {
      expect(emitted, m.metricName).toContain(m.metricName);
      for (const key of Object.keys(m.dimensions ?? {})) expect(dimensions, `${m.metricName} by ${key}`).toContain(key);
    }
    expect(readFileSync(path.join(dir, 'lib', 'aws', 'observability.ts'), 'utf8')).toContain("'TheModelPipeline'");
  });
});
