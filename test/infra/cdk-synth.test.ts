/**
 * `npx cdk synth`, as a user runs it: cdk.json's app (infra/app.ts through
 * tsx), every function bundled, cdk-nag's plugins on, offline and with no
 * AWS credentials. The time is printed, not asserted (README gives the figure).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const outdir = mkdtempSync(path.join(tmpdir(), 'pipeline-cdk-cli-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('npx cdk synth succeeds offline, without AWS credentials', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  const started = Date.now();
  const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, env, encoding: 'utf8', timeout: 240_000 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`npx cdk synth: ${seconds.toFixed(1)} s`);
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  expect(existsSync(path.join(outdir, 'TheModelPipeline.template.json'))).toBe(true);
  // One asset folder per function bundle, plus the state machine definition.
  expect(readdirSync(outdir).filter((f) => f.startsWith('asset.')).length).toBeGreaterThanOrEqual(13);
}, 300_000);
