/**
 * Lambda cold start: each function bundled with the options of
 * infra/constructs/pipeline-function.ts (NodejsFunction: ESM, node24, minified,
 * mainFields module/main, the ESM require banner, nothing external), its size
 * (the .mjs, without the source map), the modules that dominate it (esbuild
 * metafile), and module initialisation time: a fresh Node.js process
 * importing the bundle, median of N runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../infra/constructs/pipeline-function';
import { median, round } from './lib/common';

const REPO = join(import.meta.dirname, '..');

export interface BundleFigures {
  name: string;
  bundleKB: number;
  initMs: number;
  /** Largest input modules (grouped by package), KB of output. */
  top: { module: string; kb: number }[];
}

function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m?.[1] !== undefined) return m[1];
  return path.startsWith('functions/') ? 'functions/ (own code)' : path;
}

function topModules(meta: Metafile, n: number): { module: string; kb: number }[] {
  const by = new Map<string, number>();
  for (const out of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) by.set(packageOf(input), (by.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([module, bytes]) => ({ module, kb: round(bytes / 1024, 1) }));
}

/** Environment a function needs to load (config validates at module load); no endpoint is called at init. */
const INIT_ENV: Record<string, string> = {
  TABLE_NAME: 'bench',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  PUBLIC_BASE_URL: 'https://example.com',
  MAIL_FROM: 'pipeline@example.com',
  API_KEY_SECRET_ID: 'bench',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'TheModelPipeline',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
};

function initOnce(file: string, env: Record<string, string>): number {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return Number(out);
}

export async function runColdStart(options: { runs?: number; only?: string[] } = {}): Promise<{ functions: BundleFigures[]; maxBundleKB: number; maxInitMs: number }> {
  const runs = options.runs ?? 10;
  const names = readdirSync(join(REPO, 'functions')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((n) => options.only === undefined || options.only.includes(n)).sort();
  const { functionEnvironment, resolveSettings } = await import('../infra/settings');
  const settings = resolveSettings({});
  const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const figures: BundleFigures[] = [];
  try {
    for (const name of names) {
      const outfile = join(outdir, name, 'index.mjs');
      const result = await build({
        entryPoints: [join(REPO, 'functions', `${name}.ts`)],
        bundle: true,
        outfile,
        format: 'esm',
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        banner: { js: ESM_REQUIRE_BANNER },
        metafile: true,
        logLevel: 'silent',
        absWorkingDir: REPO,
      });
      let env: Record<string, string> = {};
      try {
        env = functionEnvironment(name as Parameters<typeof functionEnvironment>[0], settings, { tableName: 'bench', stateMachineArn: INIT_ENV.STATE_MACHINE_ARN as string, publicBaseUrl: 'https://example.com', apiKeySecretId: 'bench' });
      } catch {
        env = {};
      }
      const times: number[] = [];
      for (let i = 0; i < runs; i += 1) times.push(initOnce(outfile, { ...INIT_ENV, ...env }));
      figures.push({ name, bundleKB: round(statSync(outfile).size / 1024, 1), initMs: round(median(times), 1), top: topModules(result.metafile, 5) });
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return { functions: figures, maxBundleKB: Math.max(...figures.map((f) => f.bundleKB)), maxInitMs: Math.max(...figures.map((f) => f.initMs)) };
}
