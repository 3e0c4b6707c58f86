/** Shared helpers of the benchmarks: statistics, the machine, the results file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalStackProcess, type ServerOptions } from '../../local/stack-process';

const BENCH_DIR = resolve(import.meta.dirname, '..');
export const RESULTS_FILE = join(BENCH_DIR, 'results.json');

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function machine(): { cpu: string; cores: number; memoryGB: number; node: string; platform: string; loadAverage1m: number } {
  const c = cpus();
  return { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage1m: round(loadavg()[0] ?? 0, 2) };
}

/** Merges figures into bench/results.json (each benchmark writes its own keys). */
export function writeResults(figures: Record<string, unknown>, file = RESULTS_FILE): Record<string, unknown> {
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const merged = { ...before, ...figures, machine: machine(), updatedAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident memory of a process in MB: all of it, its private (anonymous) part, and mapped files (page cache the kernel can drop). */
export function residentMB(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (key: string): number => round(Number(new RegExp(`${key}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? 'NaN') / 1024, 1);
  return { rss: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
}

/** CPU time a process (all its threads), or its main thread, has used so far (user + system), in ms (Linux /proc). */
export function cpuMs(pid: number, mainThreadOnly = false): number {
  const fields = (readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks of 10 ms
}

/**
 * Starts a dev server with `module` preloaded into it (NODE_OPTIONS=--import:
 * a probe, a counter, a profiler; nothing in the product changes) and `env`
 * set for it.
 */
export async function startPreloaded(options: ServerOptions | undefined, module: string, env: Record<string, string>): Promise<LocalStackProcess> {
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --import ${module}`.trim();
  return LocalStackProcess.start({ ...options, env: { ...options?.env, ...env, NODE_OPTIONS: nodeOptions } });
}
