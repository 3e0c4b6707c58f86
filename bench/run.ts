/**
 * `npm run bench`: every benchmark of the pipeline, printed and written to
 * bench/results.json (merged, so BENCH_ONLY can re-run a part).
 *
 *   npm run bench                         all of them (about 30 minutes: the 10,000-lead scale run dominates)
 *   BENCH_ONLY=cost,coldstart npm run bench
 *   BENCH_SCALE_LEADS=2000 npm run bench  a smaller scale run
 *
 * Targets (issue 7): won path < $1.50 per 1,000 leads and >= 5x cheaper than
 * the in-execution reminder loop; bundles < 500 KB, init < 150 ms;
 * >= 20 leads/s end to end; feedback page p99 < 50 ms; 10,000 parked leads
 * < 500 MB, resumed in < 15 s. No assertion fails on them: they are reported.
 */
import { runColdStart } from './coldstart';
import { runCost, PATHS } from './cost';
import { runLatency } from './latency';
import { runScale } from './scale';
import { runThroughput } from './throughput';
import { machine, round, writeResults, RESULTS_FILE } from './lib/common';
import { PRICES_DATE } from './lib/pricing';
import type { ProfileSummary } from './lib/profile';

const only = new Set((process.env.BENCH_ONLY ?? 'coldstart,cost,throughput,latency,scale').split(',').map((s) => s.trim()));
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};
const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');
const profileLines = (p: ProfileSummary | undefined): void => {
  if (p === undefined) return;
  out(`    CPU busy ${p.busyPercent}% of the run; self time by area: ${p.byArea.slice(0, 8).map((a) => `${a.area} ${a.percent}%`).join(', ')}`);
  out(`    hottest functions: ${p.topFunctions.slice(0, 6).map((f) => `${f.fn} ${f.percent}%`).join('; ')}`);
  const d = p.dynaliteThread;
  if (d !== undefined) out(`    dynalite thread: CPU busy ${d.busyPercent}% (whole run); ${d.byArea.slice(0, 5).map((a) => `${a.area} ${a.percent}%`).join(', ')}`);
};

const m = machine();
out(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node.js ${m.node}, ${m.platform}, load average ${m.loadAverage1m} at start`);

if (only.has('coldstart')) {
  out('\n== Lambda cold start (esbuild bundles as NodejsFunction builds them, the AWS SDK bundled; init = fresh node importing the bundle, median of 10)');
  out('   (in brackets, the alternative measured in the same run: the same function with the whole SDK from the Lambda runtime)');
  const r = await runColdStart({ runs: 10 });
  for (const f of r.functions) {
    out(`  ${f.name.padEnd(18)} ${String(f.bundleKB).padStart(7)} KB  init ${String(f.initMs).padStart(6)} ms  (without source maps ${f.initWithoutSourceMapsMs} ms)  [runtime SDK: ${f.runtimeSdk.bundleKB} KB, ${f.runtimeSdk.initMs} ms]   top: ${f.top.map((t) => `${t.module} ${t.kb} KB`).join(', ')}`);
    out(`  ${''.padEnd(18)} SDK clients: ${f.sdkClients.join(', ')}; external: ${f.external.join(', ')}`);
  }
  out(`  max bundle ${r.maxBundleKB} KB (${verdict(r.maxBundleKB < 500)} < 500 KB), max init ${r.maxInitMs} ms (${verdict(r.maxInitMs < 150)} < 150 ms)`);
  writeResults({ maxBundleKB: r.maxBundleKB, maxInitMs: r.maxInitMs, coldStart: r.functions });
}

if (only.has('cost')) {
  out(`\n== Cost per 1,000 leads on AWS (us-east-1 prices of ${PRICES_DATE}), from a real local run; baseline = reminders as a Wait loop in the execution`);
  // BENCH_COST_TIME_SCALE: execution seconds per real second (default six hours); lower it on a busy machine, where answers can miss their scaled SLA.
  const r = await runCost(process.env.BENCH_COST_TIME_SCALE === undefined ? {} : { timeScale: Number(process.env.BENCH_COST_TIME_SCALE) });
  out(`  ${'path'.padEnd(13)} ${'transitions'.padStart(11)} ${'lambdas'.padStart(7)} ${'lambda ms'.padStart(9)} ${'ddb req'.padStart(7)} ${'WRU'.padStart(5)} ${'RRU'.padStart(5)} ${'emails'.padStart(6)} ${'http'.padStart(4)} ${'remind'.padStart(6)} ${'$/1000'.padStart(8)} ${'baseline'.padStart(9)} ${'ratio'.padStart(6)}`);
  for (const p of PATHS) {
    const u = r.pipeline[p].usage;
    out(`  ${p.padEnd(13)} ${String(u.transitions).padStart(11)} ${String(u.lambdaInvocations).padStart(7)} ${String(u.lambdaBilledMs).padStart(9)} ${String(u.ddbRequests).padStart(7)} ${String(u.wru).padStart(5)} ${String(u.rru).padStart(5)} ${String(u.emails).padStart(6)} ${String(u.httpRequests).padStart(4)} ${String(r.pipeline[p].reminders).padStart(6)} ${r.costPer1000Leads[p].toFixed(3).padStart(8)} ${r.baselineCostPer1000Leads[p].toFixed(3).padStart(9)} ${String(r.reminderLoopCostRatioByPath[p]).padStart(6)}`);
  }
  out(`  mix ${JSON.stringify(r.mix)}: $${r.costPer1000Leads.mix.toFixed(3)} per 1,000 leads, baseline $${r.baselineCostPer1000Leads.mix.toFixed(3)}, ratio ${r.reminderLoopCostRatio}`);
  out(`  baseline transitions: ${PATHS.map((p) => `${p} ${r.baseline[p].usage.transitions}`).join(', ')}`);
  out(`  won path: $${r.costPer1000Leads.won.toFixed(3)} (${verdict(r.costPer1000Leads.won < 1.5)} < $1.50); reminder loop ${r.reminderLoopCostRatioByPath.won}x on won, ${r.reminderLoopCostRatio}x on the mix (${verdict(r.reminderLoopCostRatio >= 5)} >= 5x)`);
  if (r.rescued) {
    const u = r.rescued.measure.usage;
    out(`  rescued lead ("Qualify lead" failed once, retried from ops' rescue link, then disqualified): ${u.transitions} transitions, ${u.lambdaInvocations} lambdas, ${u.ddbRequests} ddb requests, ${u.emails} emails, ${u.httpRequests} http; $${r.rescued.costPer1000Leads.toFixed(3)} per 1,000 rescued leads, $${r.rescued.rescueCostPer1000Leads.toFixed(3)} more than disqualified`);
  }
  out(`  emails of the won path: ${r.pipeline.won.emailSubjects.map((s) => s.split(/ for |[:(]/)[0]?.trim()).join(' | ')}`);
  out(`  amortized (docs/performance.md): ${r.assumptions.weeklyLeads} leads a week; reminders batched per person per sweep, requests per email ${JSON.stringify(r.requestsPerReminderEmail)} (team sizes ${JSON.stringify(r.assumptions.teamSizes)}, ${r.assumptions.sweepsPerWeek} sweeps a week); ${r.assumptions.digestEmailsPerWeek} digest emails a week`);
  writeResults({ costPer1000Leads: r.costPer1000Leads, baselineCostPer1000Leads: r.baselineCostPer1000Leads, reminderLoopCostRatio: r.reminderLoopCostRatio, reminderLoopCostRatioByPath: r.reminderLoopCostRatioByPath, cost: r });
}

if (only.has('throughput')) {
  out('\n== Throughput: leads through the whole won lifecycle, answers posted over HTTP as soon as each request mail lands');
  const r = await runThroughput({ leads: Number(process.env.BENCH_THROUGHPUT_LEADS ?? '100'), runs: 3 });
  for (const run of r.runs) out(`  run: ${run.leads} leads in ${run.seconds} s = ${run.leadsPerSecond} leads/s, ${run.answers} answers (p50 ${run.answerP50Ms} ms, p99 ${run.answerP99Ms} ms), ${run.failed} not renewed ${JSON.stringify(run.outcomes)}`);
  out(`  median ${r.leadsPerSecond} leads/s (${verdict(r.leadsPerSecond >= 20)} >= 20); server CPU ${r.serverCpuMsPerLead} ms per lead, ${r.mainThreadCpuMsPerLead} ms of it on the main thread (one core: at most ${round(1000 / r.mainThreadCpuMsPerLead, 1)} leads/s on an idle machine)`);
  profileLines(r.profile);
  writeResults({ leadsPerSecond: r.leadsPerSecond, throughput: r });
}

if (only.has('latency')) {
  out('\n== Latency under autocannon, 50 connections (medians of 3 runs of 5 s)');
  const r = await runLatency({ runs: 3, durationSeconds: 5 });
  for (const [name, f] of [['GET /feedback/{id}', r.getFeedback], ['POST /feedback/{id}', r.postFeedback], ['POST /leads', r.postLeads]] as const) {
    out(`  ${name.padEnd(20)} p50 ${String(f.p50Ms).padStart(7)} ms  p99 ${String(f.p99Ms).padStart(7)} ms  ${String(f.requestsPerSecond).padStart(7)} req/s  server CPU ${f.serverCpuMsPerRequest} ms/request (main thread ${f.mainThreadCpuMsPerRequest})  statuses ${JSON.stringify(f.statusCodes)}`);
  }
  out(`  feedback page p99 ${r.feedbackPageP99Ms} ms (${verdict(r.feedbackPageP99Ms < 50)} < 50 ms)`);
  out('  profile, GET /feedback/{id}:');
  profileLines(r.getFeedbackProfile);
  out('  profile, POST /leads:');
  profileLines(r.postLeadsProfile);
  writeResults({ feedbackPageP99Ms: r.feedbackPageP99Ms, latency: r });
}

if (only.has('scale')) {
  const leads = Number(process.env.BENCH_SCALE_LEADS ?? '10000');
  out(`\n== Scale: ${leads} leads parked on callbacks, restart and resume`);
  const r = await runScale({ leads });
  out(`  ingest ${r.ingestLeadsPerSecond} leads/s; parked: server RSS ${r.parkedMemoryMB} MB (${verdict(r.parkedMemoryMB < 500)} < 500 MB; private ${r.parkedAnonMB} MB, mapped files ${r.parkedFileMB} MB; V8 heap reserved ${r.parkedHeapTotalMB} MB main thread, ${r.parkedWorkerHeapTotalMB} MB dynalite's)`);
  out(`  restart: answering after ${r.restartSeconds} s; ${r.sample} answered leads moved on and all others RUNNING after ${r.resumeSeconds} s (${verdict(r.resumeSeconds < 15)} < 15 s); RSS after ${r.resumedMemoryMB} MB`);
  writeResults({ parkedMemoryMB: r.parkedMemoryMB, resumeSeconds: r.resumeSeconds, scale: r });
}

out(`\nWrote ${RESULTS_FILE}`);
