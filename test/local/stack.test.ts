import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../local/data-dir';
import { processEnvironment, resolveApiKey } from '../../local/stack';
import { resolveSettings } from '../../infra/settings';

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'devrt-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('dev runtime setup', () => {
  it('keeps one runtime per data folder, and a stale lock (crash, kill -9) does not block', () => {
    const d = dir();
    writeFileSync(join(d, 'runtime.pid'), `${process.ppid}\n`);
    expect(() => lockDataDir(d)).toThrow(/another runtime \(pid \d+\) is using the data folder/);
    writeFileSync(join(d, 'runtime.pid'), '2147483646\n');
    const release = lockDataDir(d);
    expect(readFileSync(join(d, 'runtime.pid'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(d, 'runtime.pid'))).toBe(false);
  });

  it('takes the key from PIPELINE_API_KEY, else generates one once and keeps it private in the data folder', () => {
    const d = dir();
    expect(resolveApiKey(d, 'a-key-from-the-environment')).toEqual({ key: 'a-key-from-the-environment', source: 'env' });
    expect(() => resolveApiKey(d, 'short')).toThrow(/PIPELINE_API_KEY must be 16/);
    const first = resolveApiKey(d, undefined);
    expect(first.source).toBe('generated');
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(d, 'api-key')).mode & 0o777).toBe(0o600);
    expect(resolveApiKey(d, undefined)).toEqual({ key: first.key, source: 'data' });
  });

  it('gives the functions the environment the stack gives them, plus the local endpoints', () => {
    const env = processEnvironment(
      resolveSettings(),
      { tableName: 't', stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle', publicBaseUrl: 'http://127.0.0.1:3000', apiKeySecretId: 's', webhookSecretId: 'w', eventBusName: 'b' },
      { dynamodb: 'http://127.0.0.1:1', sfn: 'http://127.0.0.1:2', ses: 'http://127.0.0.1:3', secrets: 'http://127.0.0.1:4', eventBridge: 'http://127.0.0.1:5' },
      'WARN',
    );
    expect(env).toMatchObject({
      TABLE_NAME: 't',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle',
      PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
      API_KEY_SECRET_ID: 's',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:3',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:5',
      EVENT_BUS_NAME: 'b',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_METRICS_NAMESPACE: 'TheModelPipeline',
    });
    expect(env).not.toHaveProperty('TEAMS'); // the roster is in the table (teams/roster.ts)
    expect(env.MAIL_FROM).toContain('@');
  });
});
