/**
 * ValidateStateMachineDefinition over HTTP, with AWS's answer shape
 * ({ result, diagnostics: [{ severity, code, message, location }], truncated }),
 * through @aws-sdk/client-sfn and the AWS CLI. Wording of the first checks as
 * AWS records it (LocalStack's test_sfn_api_validation.snapshot.json).
 */
import { execFile, execFileSync } from 'node:child_process';
import { ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definition, startHarness, type Harness } from './fixtures/sfn-harness';

const VALID = definition({ A: { Type: 'Pass', End: true } });

describe('ValidateStateMachineDefinition', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers OK, or FAIL with diagnostics, as AWS shapes them (SDK)', async () => {
    const ok = await h.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: VALID }));
    expect({ result: ok.result, diagnostics: ok.diagnostics, truncated: ok.truncated }).toEqual({ result: 'OK', diagnostics: [], truncated: false });

    const noStart = await h.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify({ States: {} }) }));
    expect(noStart.result).toBe('FAIL');
    expect(noStart.diagnostics).toEqual([{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'These fields are required: [StartAt]', location: '/' }]);

    const notJson = await h.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: 'not a definition' }));
    expect(notJson.diagnostics?.[0]).toMatchObject({ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' });

    const downgrade = await h.sfn.send(
      new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'Pass', States: { Pass: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } }) }),
    );
    expect(downgrade.diagnostics).toEqual([
      { severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", location: '/States/Pass' },
    ]);

    const missingNext = await h.sfn.send(new ValidateStateMachineDefinitionCommand({ definition: definition({ A: { Type: 'Pass', Next: 'B' } }) }));
    expect(missingNext.result).toBe('FAIL');
    expect(missingNext.diagnostics?.[0]).toMatchObject({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', location: '/States/A' });
    expect(missingNext.diagnostics?.[0]?.message).toContain('"B"');
  });

  const hasAwsCli = (() => {
    try {
      execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasAwsCli)('answers the AWS CLI (validate-state-machine-definition)', { timeout: 60_000 }, async () => {
    const run = (def: string): Promise<{ stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          'aws',
          ['stepfunctions', 'validate-state-machine-definition', '--definition', def, '--endpoint-url', h.server.url, '--output', 'json'],
          { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' }, timeout: 60_000 },
          (_err, stdout, stderr) => resolve({ stdout, stderr }),
        );
      });
    const ok = await run(VALID);
    expect(JSON.parse(ok.stdout)).toEqual({ result: 'OK', diagnostics: [], truncated: false });
    const bad = await run(definition({ A: { Type: 'Pass', Next: 'B' } }));
    const parsed = JSON.parse(bad.stdout) as { result: string; diagnostics: Array<{ code: string; location: string }> };
    expect(parsed.result).toBe('FAIL');
    expect(parsed.diagnostics[0]).toMatchObject({ code: 'SCHEMA_VALIDATION_FAILED', location: '/States/A' });
  });
});
