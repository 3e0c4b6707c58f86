/**
 * Lambda cold start: each function bundled exactly as NodejsFunction bundles
 * it (FUNCTION_BUNDLING of infra/constructs/pipeline-function.ts: ESM, node24,
 * minified, the require banner, the AWS SDK v3 bundled but for the credential
 * providers its chain loads lazily), its size (the .mjs, without the source
 * map), the modules that dominate it (esbuild metafile), the AWS SDK clients
 * it carries and the packages it leaves external, and module initialisation
 * time: a fresh Node.js process importing the bundle, median of N runs.
 *
 * In the same run, for comparison, each function is also bundled with the
 * whole SDK left to the Lambda runtime (externalModules ['@aws-sdk/*'], the
 * alternative) and timed the same way, runs interleaved.
 *
 * The bundles are written under the repository (.tmp/), so their external
 * imports resolve to node_modules as they resolve to the runtime's copy on
 * Lambda: the alternative's init includes reading and evaluating the SDK from disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { FUNCTION_BASE_ENVIRONMENT, FUNCTION_BUNDLING } from '../infra/constructs/pipeline-function';
import { median, round } from './lib/common';

const REPO = join(import.meta.dirname, '..');

export interface BundleFigures {
  name: string;
  bundleKB: number;
  initMs: number;
  /** Largest input modules (grouped by package), KB of output. */
  top: { module: string; kb: number }[];
  /** AWS SDK clients the bundle carries (`@aws-sdk/client-*` among its inputs): only those its function uses. */
  sdkClients: string[];
  /** Packages the bundle imports at run time instead of carrying them (FUNCTION_BUNDLING.externalModules). */
  external: string[];
  /** The alternative, measured in the same run: the same function with the whole AWS SDK from the Lambda runtime (externalModules ['@aws-sdk/*']). */
  runtimeSdk: { bundleKB: number; initMs: number };
  /** The same bundle's init without `--enable-source-maps` (NODE_OPTIONS of FUNCTION_BASE_ENVIRONMENT), same run: what reading its source map at load costs. */
  initWithoutSourceMapsMs: number;
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

function sdkClients(meta: Metafile): string[] {
  const names = new Set<string>();
  for (const out of Object.values(meta.outputs)) {
    for (const input of Object.keys(out.inputs)) {
      const m = /node_modules\/(@aws-sdk\/client-[^/]+)/.exec(input);
      if (m?.[1] !== undefined) names.add(m[1]);
    }
  }
  return [...names].sort();
}

function externalImports(meta: Metafile): string[] {
  const names = new Set<string>();
  for (const out of Object.values(meta.outputs)) {
    for (const i of out.imports) if (i.external && !isBuiltin(i.path)) names.add(i.path);
  }
  return [...names].sort();
}

/**
 * Environment at init: what the stack gives every function (source maps on,
 * as on Lambda), then what a function needs to load (config validates at
 * module load); no endpoint is called at init.
 */
const INIT_ENV: Record<string, string> = {
  ...FUNCTION_BASE_ENVIRONMENT,
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
  // stderr kept out of the report (the SDK warns about Node.js 20 here; Lambda runs 24).
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return Number(out);
}

export async function runColdStart(options: { runs?: number; only?: string[] } = {}): Promise<{ functions: BundleFigures[]; maxBundleKB: number; maxInitMs: number }> {
  const runs = options.runs ?? 10;
  const names = readdirSync(join(REPO, 'functions')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((n) => options.only === undefined || options.only.includes(n)).sort();
  const { functionEnvironment } = await import('../infra/function-table');
  const { resolveSettings } = await import('../infra/settings');
  const settings = resolveSettings({});
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  const outdir = mkdtempSync(join(REPO, '.tmp', 'bench-bundles-'));
  const b = FUNCTION_BUNDLING;
  const figures: BundleFigures[] = [];
  try {
    const bundle = async (name: string, external: readonly string[], outfile: string): Promise<Metafile> =>
      (
        await build({
          entryPoints: [join(REPO, 'functions', `${name}.ts`)],
          bundle: true,
          outfile,
          format: b.format,
          target: b.target,
          platform: b.platform,
          mainFields: [...b.mainFields],
          minify: b.minify,
          sourcemap: b.sourceMap,
          sourcesContent: b.sourcesContent,
          banner: { js: b.banner },
          external: [...external],
          metafile: true,
          logLevel: 'silent',
          absWorkingDir: REPO,
        })
      ).metafile;
    for (const name of names) {
      const outfile = join(outdir, name, 'index.mjs');
      const referenceFile = join(outdir, `${name}-runtime-sdk`, 'index.mjs');
      const meta = await bundle(name, b.externalModules, outfile);
      await bundle(name, ['@aws-sdk/*'], referenceFile);
      let env: Record<string, string> = {};
      try {
        env = functionEnvironment(name as Parameters<typeof functionEnvironment>[0], settings, { tableName: 'bench', stateMachineArn: INIT_ENV.STATE_MACHINE_ARN as string, publicBaseUrl: 'https://example.com', apiKeySecretId: 'bench', webhookSecretId: 'bench', eventBusName: 'bench' });
      } catch {
        env = {};
      }
      const times: number[] = [];
      const referenceTimes: number[] = [];
      const noMapsTimes: number[] = [];
      const { NODE_OPTIONS: _sourceMaps, ...withoutSourceMaps } = { ...INIT_ENV, ...env };
      for (let i = 0; i < runs; i += 1) {
        times.push(initOnce(outfile, { ...INIT_ENV, ...env }));
        referenceTimes.push(initOnce(referenceFile, { ...INIT_ENV, ...env }));
        noMapsTimes.push(initOnce(outfile, withoutSourceMaps));
      }
      figures.push({
        name,
        bundleKB: round(statSync(outfile).size / 1024, 1),
        initMs: round(median(times), 1),
        top: topModules(meta, 5),
        sdkClients: sdkClients(meta),
        external: externalImports(meta),
        runtimeSdk: { bundleKB: round(statSync(referenceFile).size / 1024, 1), initMs: round(median(referenceTimes), 1) },
        initWithoutSourceMapsMs: round(median(noMapsTimes), 1),
      });
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return { functions: figures, maxBundleKB: Math.max(...figures.map((f) => f.bundleKB)), maxInitMs: Math.max(...figures.map((f) => f.initMs)) };
}
