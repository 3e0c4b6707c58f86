/**
 * CPU profiles of the dev server: start it with the V8 profiler running
 * (bench/lib/cpu-profiler.mjs through NODE_OPTIONS, as `node --cpu-prof` would;
 * the harness is reused unchanged), run a workload, stop it
 * (the profile is written on exit) and summarise where the time went: self
 * time by package / source area and the hottest functions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStackProcess, type ServerOptions } from '../../local/stack-process';
import { round, startPreloaded } from './common';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Share of sampled time (excluding idle) by area: a package name, a repo folder, or (gc)/(program). */
  byArea: { area: string; percent: number }[];
  /** Hottest functions by self time. */
  topFunctions: { fn: string; percent: number }[];
  busyPercent: number;
  /** The dynalite worker thread (local/dynalite-worker.mjs), whole run: signals reach the main thread only, so its profile is not restarted. */
  dynaliteThread?: Omit<ProfileSummary, 'dynaliteThread'>;
}

function areaOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m?.[1] !== undefined) return m[1];
  const repo = /\/work\/main\/([^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/(local\/engine|local|functions\/lib|functions|infra)\//.exec(url);
  if (repo?.[1] !== undefined) return repo[1];
  if (url.startsWith('node:')) return 'node:' + (url.slice(5).split('/')[0] ?? '');
  return url.split('/').slice(-2).join('/');
}

function summarise(profile: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url === '' ? '' : `${url.replace(/^.*\/(node_modules\/)?/, '')}:${lineNumber + 1}`}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => round((100 * us) / Math.max(1, busy), 1);
  return {
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([area, us]) => ({ area, percent: pct(us) })),
    topFunctions: [...fns.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, percent: pct(us) })),
    busyPercent: round((100 * busy) / Math.max(1, total), 1),
  };
}

/**
 * Runs `work` against a dev server started with the profiler; returns its
 * result and the profile summary. `work` may call `reset()` after its
 * warm-up: the profile then covers only what follows.
 */
export async function profiled<T>(options: ServerOptions, work: (server: LocalStackProcess, reset: () => Promise<void>) => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
  const server = await startPreloaded(options, join(import.meta.dirname, 'cpu-profiler.mjs'), { BENCH_CPU_PROF_DIR: dir });
  try {
    const reset = async (): Promise<void> => {
      server.child.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 200));
    };
    const result = await work(server, reset);
    await server.stop();
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const bySize = (a: string, b: string): number => readFileSync(join(dir, b)).length - readFileSync(join(dir, a)).length;
    // The largest main-thread profile is the server's (tsx may start a helper process too); its worker thread is dynalite.
    const main = files.filter((f) => f.endsWith('-t0.cpuprofile')).sort(bySize)[0];
    if (main === undefined) throw new Error('no CPU profile written');
    const worker = files.filter((f) => f.startsWith(main.replace(/-t0\.cpuprofile$/, '-t')) && f !== main).sort(bySize)[0];
    const profile = summarise(JSON.parse(readFileSync(join(dir, main), 'utf8')) as CpuProfile);
    if (worker !== undefined) profile.dynaliteThread = summarise(JSON.parse(readFileSync(join(dir, worker), 'utf8')) as CpuProfile);
    return { result, profile };
  } finally {
    await server.stop();
    server.removeData();
    rmSync(dir, { recursive: true, force: true });
  }
}
