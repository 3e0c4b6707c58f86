/** Short run of the cold-start benchmark: well-formed figures for one function (no timing assertion). */
import { describe, expect, it } from 'vitest';
import { runColdStart } from '../../bench/coldstart';
import { LAZY_CREDENTIAL_PROVIDERS } from '../../infra/constructs/pipeline-function';

describe('cold start benchmark', () => {
  it('bundles a function as the stack does (SDK inside, only the clients it uses), names its biggest modules and times its init', async () => {
    const r = await runColdStart({ runs: 1, only: ['qualify-lead'] });
    expect(r.functions.map((f) => f.name)).toEqual(['qualify-lead']);
    const f = r.functions[0];
    expect(f?.bundleKB).toBeGreaterThan(0);
    expect(f?.initMs).toBeGreaterThan(0);
    expect(f?.top.length).toBeGreaterThan(0);
    expect(f?.top.every((t) => t.module !== '' && t.kb > 0)).toBe(true);
    // The SDK is carried: qualify-lead reads and writes the table and publishes its stage change (EventBridge), and sends no email, starts no execution, reads no secret.
    expect(f?.sdkClients).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge']);
    // Only the lazily loaded credential providers stay external.
    expect(f?.external.length).toBeGreaterThan(0);
    expect(f?.external.every((e) => (LAZY_CREDENTIAL_PROVIDERS as readonly string[]).includes(e))).toBe(true);
    // The same-run alternative with the SDK from the runtime is smaller and was timed too.
    expect(f?.runtimeSdk.bundleKB).toBeLessThan(f?.bundleKB ?? 0);
    expect(f?.runtimeSdk.initMs).toBeGreaterThan(0);
    expect(f?.initWithoutSourceMapsMs).toBeGreaterThan(0);
    expect(r.maxBundleKB).toBe(f?.bundleKB);
    expect(r.maxInitMs).toBe(f?.initMs);
  }, 120_000);
});
