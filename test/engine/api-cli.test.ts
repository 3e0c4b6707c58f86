/**
 * The engine's command line (`run`, `--help`) and the AWS CLI pointed at the
 * protocol server with --endpoint-url.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { CreateStateMachineCommand, ListStateMachinesCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_ARN, definition, sfnClient, startHarness, type Harness } from './fixtures/sfn-harness';

const CLI = fileURLToPath(new URL('../../local/engine/cli.ts', import.meta.url));
const HELLO = fileURLToPath(new URL('./fixtures/hello.asl.json', import.meta.url));
const LAMBDAS = fileURLToPath(new URL('./fixtures/cli-lambdas.ts', import.meta.url));

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('engine CLI: run', { timeout: 90_000 }, () => {
  it('runs a definition with Lambdas and substitutions, printing the output', async () => {
    const r = await runCli(['run', HELLO, '--input', '{"who":"Ada"}', '--lambdas', LAMBDAS, '--sub', 'GreetFunctionArn=greet', '--time-scale', '36000']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ status: 'SUCCEEDED', output: { greeting: 'hello Ada' } });
  });

  it('reads --input-file and exits 1 with error and cause when the execution fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-cli-'));
    try {
      writeFileSync(join(dir, 'in.json'), '{"fail": true}');
      const r = await runCli(['run', HELLO, '--input-file', join(dir, 'in.json'), '--lambdas', LAMBDAS, '--sub', 'GreetFunctionArn=greet']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual({ status: 'FAILED', error: 'Hello.Refused', cause: 'asked to fail' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming the problem: missing substitution, bad input, invalid definition, unknown command', async () => {
    const noSub = await runCli(['run', HELLO, '--lambdas', LAMBDAS]);
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain('GreetFunctionArn');
    const badInput = await runCli(['run', HELLO, '--input', '{nope', '--sub', 'GreetFunctionArn=greet']);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/input/);
    const dir = mkdtempSync(join(tmpdir(), 'sfn-cli-'));
    try {
      writeFileSync(join(dir, 'bad.json'), definition({ A: { Type: 'Pass', Next: 'Nowhere' } }));
      const invalid = await runCli(['run', join(dir, 'bad.json')]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/InvalidDefinition.*Nowhere/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('frobnicate');
  });

  it('gives up after --timeout seconds with exit 124, showing where the execution stands', async () => {
    const r = await runCli(['run', HELLO, '--input', '{"who":"Ada"}', '--lambdas', LAMBDAS, '--sub', 'GreetFunctionArn=greet', '--timeout', '1']);
    expect(r.code).toBe(124);
    expect(JSON.parse(r.stdout)).toEqual({ status: 'RUNNING', currentStates: ['Short wait'] });
    expect(r.stderr).toContain('Gave up after 1s');
  });

  it('prints usage with --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run <definition.json>');
    expect(r.stdout).toContain('serve');
    expect(r.stdout).toContain('AWS_ENDPOINT_URL_SFN');
  });
});

describe('engine CLI: serve', () => {
  it('serves the API on a data directory, logs requests without bodies, stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start; stderr:\n${err}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /AWS_ENDPOINT_URL_SFN=(\S+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const sfn = sfnClient(url);
      const def = definition({ Only: { Type: 'Pass', End: true } });
      const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'served', definition: def, roleArn: ROLE_ARN }));
      await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'one', input: '{"marker":"serve-input-5d2e"}' }));
      const listed = await sfn.send(new ListStateMachinesCommand({}));
      expect(listed.stateMachines?.map((m) => m.name)).toEqual(['served']);
      sfn.destroy();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toMatch(/CreateStateMachine 200/);
      expect(err).toMatch(/StartExecution 200/);
      expect(err).not.toContain('serve-input-5d2e');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const hasAwsCli = (() => {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasAwsCli)('the AWS CLI with --endpoint-url', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  function aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        'aws',
        ['stepfunctions', ...args, '--endpoint-url', h.server.url, '--output', 'json'],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1', AWS_REGION: 'us-east-1', AWS_PAGER: '' }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  it('creates, starts, describes and reports errors by their AWS names', { timeout: 120_000 }, async () => {
    const def = definition({ Greet: { Type: 'Pass', Output: { greeting: "{% 'hi ' & $states.input.who %}" }, End: true } });
    const created = await aws(['create-state-machine', '--name', 'cli-hello', '--role-arn', ROLE_ARN, '--definition', def]);
    expect(created.stderr).toBe('');
    const { stateMachineArn } = JSON.parse(created.stdout) as { stateMachineArn: string };
    expect(stateMachineArn).toMatch(/:stateMachine:cli-hello$/);

    const started = await aws(['start-execution', '--state-machine-arn', stateMachineArn, '--name', 'run-1', '--input', '{"who":"CLI"}']);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    await h.engine.waitForExecution(executionArn, { timeoutMs: 5_000 });

    const described = await aws(['describe-execution', '--execution-arn', executionArn]);
    const d = JSON.parse(described.stdout) as { status: string; output: string; startDate: unknown };
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output)).toEqual({ greeting: 'hi CLI' });
    expect(d.startDate).toBeDefined();

    const history = await aws(['get-execution-history', '--execution-arn', executionArn, '--reverse-order', '--max-items', '2']);
    const hist = JSON.parse(history.stdout) as { events: { type: string }[] };
    expect(hist.events.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'PassStateExited']);

    const clash = await aws(['start-execution', '--state-machine-arn', stateMachineArn, '--name', 'run-1', '--input', '{"who":"other"}']);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain('(ExecutionAlreadyExists)');
    const missing = await aws(['describe-execution', '--execution-arn', `${executionArn}-nope`]);
    expect(missing.stderr).toContain('(ExecutionDoesNotExist)');
  });

  it('redrive-execution: a stopped execution goes on (redriveCount, ExecutionRedriven); a succeeded one is ExecutionNotRedrivable', { timeout: 120_000 }, async () => {
    const def = definition({ Hold: { Type: 'Wait', Seconds: 3600, End: true } });
    const { stateMachineArn } = JSON.parse((await aws(['create-state-machine', '--name', 'cli-redrive', '--role-arn', ROLE_ARN, '--definition', def])).stdout) as { stateMachineArn: string };
    const { executionArn } = JSON.parse((await aws(['start-execution', '--state-machine-arn', stateMachineArn, '--name', 'held'])).stdout) as { executionArn: string };
    await aws(['stop-execution', '--execution-arn', executionArn]);

    const redriven = await aws(['redrive-execution', '--execution-arn', executionArn]);
    expect(redriven.stderr).toBe('');
    expect(JSON.parse(redriven.stdout)).toHaveProperty('redriveDate');
    const d = JSON.parse((await aws(['describe-execution', '--execution-arn', executionArn])).stdout) as Record<string, unknown>;
    expect(d).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    expect(d.redriveDate).toBeDefined();
    const hist = JSON.parse((await aws(['get-execution-history', '--execution-arn', executionArn])).stdout) as { events: { type: string; executionRedrivenEventDetails?: unknown }[] };
    expect(hist.events.find((e) => e.type === 'ExecutionRedriven')?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    const listed = JSON.parse((await aws(['list-executions', '--state-machine-arn', stateMachineArn, '--redrive-filter', 'REDRIVEN'])).stdout) as { executions: { name: string; redriveCount: number }[] };
    expect(listed.executions.map((e) => [e.name, e.redriveCount])).toEqual([['held', 1]]);
    await aws(['stop-execution', '--execution-arn', executionArn]);

    const pass = definition({ Done: { Type: 'Pass', End: true } });
    const sm2 = (JSON.parse((await aws(['create-state-machine', '--name', 'cli-redrive-ok', '--role-arn', ROLE_ARN, '--definition', pass])).stdout) as { stateMachineArn: string }).stateMachineArn;
    const ok = (JSON.parse((await aws(['start-execution', '--state-machine-arn', sm2])).stdout) as { executionArn: string }).executionArn;
    await h.engine.waitForExecution(ok, { timeoutMs: 5_000 });
    const refused = await aws(['redrive-execution', '--execution-arn', ok]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('(ExecutionNotRedrivable)');
    expect(refused.stderr).toContain('Execution is SUCCEEDED and cannot be redriven.');
  });
});
