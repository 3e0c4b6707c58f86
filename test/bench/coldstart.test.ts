/** Short run of the cold-start benchmark: well-formed figures for one function (no timing assertion). */
import { describe, expect, it } from 'vitest';
import { runColdStart } from '../../bench/coldstart';

describe('cold start benchmark', () => {
  it('bundles a function, names its biggest modules and times its init', async () => {
    const r = await runColdStart({ runs: 1, only: ['authorize'] });
    expect(r.functions.map((f) => f.name)).toEqual(['authorize']);
    const f = r.functions[0];
    expect(f?.bundleKB).toBeGreaterThan(0);
    expect(f?.initMs).toBeGreaterThan(0);
    expect(f?.top.length).toBeGreaterThan(0);
    expect(f?.top.every((t) => t.module !== '' && t.kb > 0)).toBe(true);
    expect(r.maxBundleKB).toBe(f?.bundleKB);
    expect(r.maxInitMs).toBe(f?.initMs);
  }, 120_000);
});
