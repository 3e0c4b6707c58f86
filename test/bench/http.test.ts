/** Short runs of the throughput, latency and scale benchmarks: well-formed figures (no timing assertion). */
import { describe, expect, it } from 'vitest';
import { runLatency } from '../../bench/latency';
import { runScale } from '../../bench/scale';
import { runThroughput } from '../../bench/throughput';

describe('throughput benchmark', () => {
  it('carries leads through the whole lifecycle and profiles the server', async () => {
    const r = await runThroughput({ leads: 2, runs: 1, profile: true });
    expect(r.runs[0]).toMatchObject({ leads: 2, failed: 0, answers: 10 });
    expect(r.leadsPerSecond).toBeGreaterThan(0);
    expect(r.answerP99Ms).toBeGreaterThan(0);
    expect(r.serverCpuMsPerLead).toBeGreaterThanOrEqual(r.mainThreadCpuMsPerLead);
    expect(r.mainThreadCpuMsPerLead).toBeGreaterThan(0);
    expect(r.profile?.byArea.length).toBeGreaterThan(0);
    expect(r.profile?.topFunctions.length).toBeGreaterThan(0);
    // dynalite runs on its own thread, profiled separately: its work is dynalite's and LevelDB's, not the SDK's
    expect(r.profile?.dynaliteThread?.byArea.map((a) => a.area)).toContain('dynalite');
    expect(r.profile?.byArea.map((a) => a.area)).not.toContain('dynalite');
  }, 180_000);
});

describe('latency benchmark', () => {
  it('measures p50, p99 and requests per second of the three endpoints', async () => {
    const r = await runLatency({ runs: 1, durationSeconds: 1, connections: 5, profile: false });
    for (const f of [r.getFeedback, r.postFeedback, r.postLeads]) {
      expect(f.p50Ms).toBeGreaterThan(0);
      expect(f.p99Ms).toBeGreaterThanOrEqual(f.p50Ms);
      expect(f.requestsPerSecond).toBeGreaterThan(0);
      expect(f.serverCpuMsPerRequest).toBeGreaterThanOrEqual(f.mainThreadCpuMsPerRequest);
    }
    expect(Object.keys(r.getFeedback.statusCodes)).toEqual(['200']);
    expect(r.postFeedback.statusCodes['409']).toBeGreaterThan(0);
    expect(r.feedbackPageP99Ms).toBeGreaterThan(0);
  }, 120_000);
});

describe('scale benchmark', () => {
  it('parks leads, restarts the server and resumes them', async () => {
    const r = await runScale({ leads: 4, sample: 2 });
    expect(r).toMatchObject({ leads: 4, sample: 2 });
    for (const v of [r.ingestLeadsPerSecond, r.parkedMemoryMB, r.parkedHeapTotalMB, r.parkedWorkerHeapTotalMB, r.resumedMemoryMB, r.restartSeconds, r.resumeSeconds]) expect(v).toBeGreaterThan(0);
    expect(r.parkedHeapUsedMB).toBeLessThanOrEqual(r.parkedHeapTotalMB);
    expect(r.parkedAnonMB).toBeGreaterThan(0);
    expect(r.parkedAnonMB + r.parkedFileMB).toBeLessThanOrEqual(r.parkedMemoryMB + 1);
    expect(r.resumeSeconds).toBeGreaterThanOrEqual(r.restartSeconds);
  }, 180_000);
});
