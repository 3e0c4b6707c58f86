/**
 * Benchmark of the embedded Step Functions engine.
 *
 *   npm run bench:engine     (node --expose-gc --import tsx bench/engine.bench.ts)
 *
 * 1. State transitions per second: a 20-state machine of Pass and Choice
 *    states, many executions at once, in memory and on the durable store
 *    (dynalite on a temporary data directory).
 * 2. Memory per waiting execution: 10,000 executions parked on callbacks
 *    (waitForTaskToken), heap measured after a full GC.
 *
 * Prints medians over several runs and writes bench/engine-results.json.
 * Targets: >= 5,000 transitions/s in memory, >= 1,000/s durable,
 * < 20 KB per parked execution. Env: BENCH_RUNS (default 5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, EngineOptions } from '../local/engine/api';
import { createEngine } from '../local/engine/index';
import { openDurableStore } from '../local/engine/cli';

const RUNS = Number(process.env.BENCH_RUNS ?? '5');
const STATES = 20;
const ROLE = 'arn:aws:iam::123456789012:role/bench';
const TARGETS = { transitionsPerSecMemory: 5_000, transitionsPerSecDurable: 1_000, bytesPerParkedExecution: 20 * 1024 };

/** S01..S20: Pass states that count, Choice states that route on the count, the last one ends. */
export function twentyStateDefinition(): string {
  const states: Record<string, unknown> = {};
  const name = (i: number) => `S${String(i).padStart(2, '0')}`;
  for (let i = 1; i <= STATES; i++) {
    const next = i < STATES ? name(i + 1) : undefined;
    if (i === STATES) {
      states[name(i)] = { Type: 'Pass', Output: { n: '{% $states.input.n %}', done: true }, End: true };
    } else if (i % 2 === 0) {
      states[name(i)] = {
        Type: 'Choice',
        Choices: [{ Condition: '{% $states.input.n >= 0 %}', Next: next }],
        Default: name(STATES),
      };
    } else {
      states[name(i)] = { Type: 'Pass', Output: { n: '{% $states.input.n + 1 %}', tag: `step-${i}` }, Next: next };
    }
  }
  return JSON.stringify({ QueryLanguage: 'JSONata', Comment: 'bench: 20 Pass/Choice states', StartAt: name(1), States: states });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function withEngine<T>(options: EngineOptions, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = createEngine(options);
  await engine.start();
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
  }
}

/** Runs `executions` executions of the 20-state machine, `concurrency` at a time; returns transitions/s. */
async function transitionsPerSecond(engine: Engine, machine: string, executions: number, concurrency: number, run: number): Promise<number> {
  const { stateMachineArn } = await engine.createStateMachine({ name: `${machine}-${run}`, definition: twentyStateDefinition(), roleArn: ROLE });
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < executions) {
      const i = next++;
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: `e-${i}`, input: JSON.stringify({ n: i }) });
      const done = await engine.waitForExecution(executionArn, { timeoutMs: 120_000 });
      if (done.status !== 'SUCCEEDED') throw new Error(`execution e-${i} ended ${done.status}: ${done.error} ${done.cause}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return (executions * STATES) / seconds;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc (npm run bench:engine does)');
  for (let i = 0; i < 3; i++) g();
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
}

/** Heap bytes per execution parked on a callback, `count` executions. */
async function bytesPerParkedExecution(count: number, run: number): Promise<number> {
  let submitted = 0;
  const engine = createEngine({
    lambdas: new Map([
      [
        'park',
        async () => {
          submitted++;
          return {};
        },
      ],
    ]),
  });
  await engine.start();
  try {
    const definition = JSON.stringify({
      QueryLanguage: 'JSONata',
      StartAt: 'Await answer',
      States: {
        'Await answer': {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: 'park', Payload: { token: '{% $states.context.Task.Token %}', lead: '{% $states.input.lead %}' } },
          TimeoutSeconds: 86400,
          End: true,
        },
      },
    });
    const { stateMachineArn } = await engine.createStateMachine({ name: `parked-${run}`, definition, roleArn: ROLE });
    // Warm up code paths (JIT, lazily built structures) before the baseline.
    await engine.startExecution({ stateMachineArn, name: 'warm-up', input: JSON.stringify({ lead: 'warm' }) });
    await waitFor(() => submitted >= 1, 10_000);
    await settle();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) {
      await engine.startExecution({ stateMachineArn, name: `lead-${i}`, input: JSON.stringify({ lead: `lead-${i}`, email: `lead${i}@example.com` }) });
    }
    await waitFor(() => submitted >= count + 1, 120_000);
    await settle();
    const after = process.memoryUsage().heapUsed;
    // Sanity: they are really parked.
    const last = await engine.describeExecution(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:lead-${count - 1}`);
    if (last.status !== 'RUNNING') throw new Error(`expected the parked execution to be RUNNING, got ${last.status}`);
    return (after - before) / count;
  } finally {
    await engine.stop();
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the executions to park');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`Embedded Step Functions engine benchmark (${RUNS} runs each, medians; node ${process.version}, ${cpus().length} CPUs, load average ${load})`);

  const memory: number[] = [];
  await withEngine({}, async (engine) => {
    await transitionsPerSecond(engine, 'warmup', 200, 50, 0);
    for (let run = 1; run <= RUNS; run++) memory.push(await transitionsPerSecond(engine, 'memory', 1_000, 100, run));
  });
  console.log(`  transitions/s, in memory:  ${fmt(median(memory))}  (runs: ${memory.map(fmt).join(', ')}; target >= ${fmt(TARGETS.transitionsPerSecMemory)})`);

  const durable: number[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sfn-bench-'));
  const handle = await openDurableStore(join(dataDir, 'data'));
  try {
    await withEngine({ store: handle.store }, async (engine) => {
      await transitionsPerSecond(engine, 'warmup', 20, 10, 0);
      // Many executions at once, so that the store can group their commits.
      for (let run = 1; run <= RUNS; run++) durable.push(await transitionsPerSecond(engine, 'durable', 200, 100, run));
    });
  } finally {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`  transitions/s, durable:    ${fmt(median(durable))}  (runs: ${durable.map(fmt).join(', ')}; target >= ${fmt(TARGETS.transitionsPerSecDurable)})`);

  const parked: number[] = [];
  const parkedRuns = Math.max(3, Math.min(RUNS, 3));
  for (let run = 1; run <= parkedRuns; run++) parked.push(await bytesPerParkedExecution(10_000, run));
  console.log(`  bytes per parked execution (10,000 on callbacks, heap after GC): ${fmt(median(parked))}  (runs: ${parked.map(fmt).join(', ')}; target < ${fmt(TARGETS.bytesPerParkedExecution)})`);

  const results = {
    transitionsPerSecMemory: Math.round(median(memory)),
    transitionsPerSecDurable: Math.round(median(durable)),
    bytesPerParkedExecution: Math.round(median(parked)),
  };
  const out = fileURLToPath(new URL('./engine-results.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const misses = (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).filter((k) =>
    k === 'bytesPerParkedExecution' ? results[k] >= TARGETS[k] : results[k] < TARGETS[k],
  );
  console.log(`Wrote ${out}${misses.length ? `; below target: ${misses.join(', ')}` : '; all targets met'}`);
}

await main();
process.exit(0);
