/** Short run of the cold-start benchmark: well-formed figures for one function (no timing assertion). */
import { describe, expect, it } from 'vitest';
import { runColdStart } from '../../bench/coldstart';

describe('cold start benchmark', () => {
  it('bundles a function as the stack does (SDK from the runtime), names its biggest modules and times its init', async () => {
    const r = await runColdStart({ runs: 1, only: ['qualify-lead'] });
    expect(r.functions.map((f) => f.name)).toEqual(['qualify-lead']);
    const f = r.functions[0];
    expect(f?.bundleKB).toBeGreaterThan(0);
    expect(f?.initMs).toBeGreaterThan(0);
    expect(f?.top.length).toBeGreaterThan(0);
    expect(f?.top.every((t) => t.module !== '' && t.kb > 0)).toBe(true);
    // The SDK is imported from the runtime, not carried: no @aws-sdk package among the bundle's inputs.
    expect(f?.external).toContain('@aws-sdk/lib-dynamodb');
    expect(f?.top.some((t) => t.module.startsWith('@aws-sdk/'))).toBe(false);
    // The same-run reference with the SDK inside is bigger and was timed too.
    expect(f?.sdkBundled.bundleKB).toBeGreaterThan(f?.bundleKB ?? Infinity);
    expect(f?.sdkBundled.initMs).toBeGreaterThan(0);
    expect(r.maxBundleKB).toBe(f?.bundleKB);
    expect(r.maxInitMs).toBe(f?.initMs);
  }, 120_000);
});
