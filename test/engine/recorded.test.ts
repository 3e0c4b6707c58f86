/**
 * Oracle recorded against AWS: every case in recorded/cases.json comes from a
 * LocalStack snapshot recorded against real AWS Step Functions (see
 * scripts/import-recorded-cases.ts; each case cites its snapshot file and key).
 * Each case runs on a fresh engine; status, output, error, cause and the
 * sequence of history event types are compared with the recording. The test
 * prints the pass rate and every failing case with its reason, and asserts the
 * rate does not fall below the one reached.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../local/engine/index';
import { EngineError } from '../../local/engine/api';

interface RecordedCase {
  name: string;
  source: { snapshot: string; key: string; recording: string; template: string };
  definition: unknown;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string | null; cause?: unknown; eventTypes: string[] };
  notApplicable?: string;
}

const file = JSON.parse(readFileSync(new URL('./recorded/cases.json', import.meta.url), 'utf8')) as { cases: RecordedCase[] };

/** The pass rate reached (percent of applicable cases); the test fails below it. */
const MIN_PASS_RATE = 100;

/** LocalStack masks (ARNs, dates, ids) in recorded values match any string. */
const isMask = (value: unknown): boolean => typeof value === 'string' && (/^<[^>]+>$/.test(value) || /<[A-Za-z]+(Part)?_\d+idx>|<[a-z-]+:\d+>/.test(value) || value === 'timestamp' || value === 'datetime' || value === 'date');

function matches(expected: unknown, actual: unknown): boolean {
  if (isMask(expected) && typeof actual === 'string') return true;
  if (typeof expected === 'string' && typeof actual === 'string' && expected.includes('<')) {
    const pattern = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[A-Za-z_:\d-]+>/g, '.*');
    if (new RegExp(`^${pattern}$`, 's').test(actual)) return true;
  }
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i]));
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    return [...keys].every((k) => matches(e[k], a[k]));
  }
  return isDeepStrictEqual(expected, actual);
}

const parse = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

async function runCase(c: RecordedCase): Promise<string[]> {
  const engine = createEngine({ timeScale: 1000 });
  await engine.start();
  try {
    let arn: string;
    try {
      ({ stateMachineArn: arn } = await engine.createStateMachine({ name: 'recorded', definition: JSON.stringify(c.definition) }));
    } catch (error) {
      return [`createStateMachine rejected the definition: ${error instanceof EngineError ? `${error.code}: ${error.message}` : String(error)}`];
    }
    const { executionArn } = await engine.startExecution({ stateMachineArn: arn, input: JSON.stringify(c.input) });
    const done = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    const history = await engine.getExecutionHistory({ executionArn, maxResults: 1000 });
    const reasons: string[] = [];
    const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 300) ?? 'undefined';
    if (done.status !== c.expected.status) reasons.push(`status ${done.status}, AWS ${c.expected.status}`);
    if (c.expected.status === 'SUCCEEDED' && !matches(c.expected.output, parse(done.output))) reasons.push(`output ${show(parse(done.output))}, AWS ${show(c.expected.output)}`);
    if (c.expected.status === 'FAILED') {
      if ((done.error ?? null) !== c.expected.error) reasons.push(`error ${show(done.error)}, AWS ${show(c.expected.error)}`);
      const cause = typeof c.expected.cause === 'string' || c.expected.cause === null ? (done.cause ?? null) : parse(done.cause);
      if (!matches(c.expected.cause, cause)) reasons.push(`cause ${show(cause)}, AWS ${show(c.expected.cause)}`);
    }
    const types = history.items.map((e) => e.type);
    if (!isDeepStrictEqual(types, c.expected.eventTypes)) reasons.push(`events ${types.join(',')}; AWS ${c.expected.eventTypes.join(',')}`);
    return reasons;
  } finally {
    await engine.stop();
  }
}

describe('recorded against AWS (LocalStack snapshots)', () => {
  it('runs every recorded case', { timeout: 120_000 }, async () => {
    const failing: string[] = [];
    const skipped: string[] = [];
    let passed = 0;
    for (const c of file.cases) {
      if (c.notApplicable) {
        skipped.push(`${c.name}: ${c.notApplicable}`);
        continue;
      }
      const reasons = await runCase(c);
      if (reasons.length === 0) passed += 1;
      else failing.push(`${c.name} (${c.source.snapshot}):\n    ${reasons.join('\n    ')}`);
    }
    const applicable = file.cases.length - skipped.length;
    const rate = (100 * passed) / applicable;
    console.log(
      [
        `recorded cases: ${passed}/${applicable} pass (${rate.toFixed(1)}%), ${skipped.length} not applicable`,
        ...skipped.map((s) => `  n/a ${s}`),
        ...failing.map((f) => `  FAIL ${f}`),
      ].join('\n'),
    );
    expect(rate).toBeGreaterThanOrEqual(MIN_PASS_RATE);
  });
});
