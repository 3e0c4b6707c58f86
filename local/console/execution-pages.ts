/**
 * The executions list and one execution's page (graph and event history).
 */
import { html, raw } from './html';
import { layoutAsl, renderGraphSvg, type GraphLayout } from './graph';
import { badge, duration, execHref, layout, time } from './layout';
import { EXECUTION_STATUSES, type ExecutionRow, type ExecutionView, type Links } from './views';

export function executionsPage(rows: ExecutionRow[], filters: { status?: string; stage?: string }, stages: readonly string[], links?: Links): string {
  const statusOpts = ['', ...EXECUTION_STATUSES].map((s) => html`<option value="${s}" ${s === (filters.status ?? '') ? raw('selected') : ''}>${s === '' ? 'Any' : s}</option>`);
  const stageOpts = ['', ...stages].map((s) => html`<option value="${s}" ${s === (filters.stage ?? '') ? raw('selected') : ''}>${s === '' ? 'Any' : s}</option>`);
  const body = html`<h1>Executions (${rows.length})</h1>
<form class="filters" method="get" action="/">${links?.refreshSeconds !== undefined ? html`<input type="hidden" name="refresh" value="${links.refreshSeconds}">` : ''}
<label>Status<select name="status">${statusOpts}</select></label>
<label>Stage<select name="stage">${stageOpts}</select></label>
<button type="submit">Filter</button> <a href="/">Clear</a></form>
<table class="executions"><thead><tr><th>Name (lead id)</th><th>Status</th><th>Current state</th><th>Stage</th><th>Started</th><th>Ended</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="6" class="muted">No executions match.</td></tr>` : ''}
${rows.map(
  (r) => html`<tr data-execution="${r.name}"><td><a href="${execHref(r.name)}">${r.name}</a></td><td>${badge(r.status)}</td><td>${r.currentState ?? html`<span class="muted">-</span>`}</td><td>${r.stage ?? html`<span class="muted">-</span>`}</td><td>${time(r.startDate)}</td><td>${time(r.stopDate)}</td></tr>`,
)}
</tbody></table>`;
  return layout('Executions', '/', body, links);
}

const layoutCache = new WeakMap<object, GraphLayout>();
function graphFor(definition: unknown): GraphLayout {
  if (typeof definition === 'object' && definition !== null) {
    const hit = layoutCache.get(definition);
    if (hit !== undefined) return hit;
    const l = layoutAsl(definition);
    layoutCache.set(definition, l);
    return l;
  }
  return layoutAsl(definition);
}

export function executionPage(view: ExecutionView, links?: Links): string {
  const svg = renderGraphSvg(graphFor(view.definition), { path: view.path, current: view.currentStates, failed: view.failedState });
  const lead = view.lead;
  const start = view.startDate.getTime();
  const body = html`<p class="small"><a href="/">Executions</a> › ${view.name}</p>
<h1>${view.name} ${badge(view.status)}</h1>
<div class="panel"><dl class="facts">
<dt>Execution ARN</dt><dd class="small">${view.executionArn}</dd>
<dt>State machine</dt><dd class="small">${view.stateMachineArn}</dd>
<dt>Current state</dt><dd class="current-state">${view.currentStates.length > 0 ? view.currentStates.join(', ') : html`<span class="muted">-</span>`}</dd>
<dt>Started</dt><dd>${time(view.startDate)}</dd><dt>Ended</dt><dd>${time(view.stopDate)}</dd>
${view.error !== undefined ? html`<dt>Error</dt><dd>${view.error}</dd>` : ''}
${view.cause !== undefined ? html`<dt>Cause</dt><dd>${view.cause}</dd>` : ''}
${lead !== undefined ? html`<dt>Lead</dt><dd>${lead.label}</dd><dt>Stage</dt><dd class="stage">${lead.stage}</dd>${lead.facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}` : ''}
</dl></div>
${view.stageEvents !== undefined && view.stageEvents.length > 0
    ? html`<h2>Stage changes (${view.stageEvents.length})</h2>
<table class="stage-events"><thead><tr><th>When</th><th>From</th><th>To</th><th>Reason</th><th>Time in previous stage</th></tr></thead><tbody>
${view.stageEvents.map((e) => html`<tr data-to="${e.to}"><td>${time(e.at)}</td><td>${e.from ?? html`<span class="muted">-</span>`}</td><td>${e.to}</td><td>${e.reason}</td><td>${e.from === null ? '-' : duration(e.timeInPreviousStageMs)}</td></tr>`)}
</tbody></table>`
    : ''}
<h2>Graph</h2>
<p class="legend small"><span>■ <b style="color:#005a94">current</b></span><span>■ <b style="color:#1a6d02">visited</b></span><span>■ <b style="color:#b0280c">failed</b></span><span>dashed: on error</span></p>
<div class="graphbox">${raw(svg)}</div>
<h2>Event history (${view.history.length})</h2>
<table class="history"><thead><tr><th>ID</th><th>Type</th><th>Step</th><th>Elapsed</th><th>Timestamp</th><th>Detail</th></tr></thead><tbody>
${view.history.map(
  (h) => html`<tr><td>${h.id}</td><td>${h.type}</td><td>${h.stateName ?? ''}</td><td>${duration(h.timestamp.getTime() - start)}</td><td>${time(h.timestamp)}</td><td class="small">${h.detail ?? ''}</td></tr>`,
)}
</tbody></table>`;
  return layout(view.name, '/', body, links);
}
