/**
 * The executions list (search, quick filters, each lead with what it waits
 * for, from whom, due when) and one execution's page: what it waits for and
 * its buttons first, then graph and history side by side as the Step
 * Functions console shows them (stacked on a phone). A click on a node or an
 * event (a link: `?state=Name`, `?event=N`, no script) shows its input,
 * output and variables.
 */
import { formatDateTime } from '#lib/core/format';
import { html, raw, type Html } from './html';
import { layoutAsl, renderGraphSvg, type GraphLayout } from './graph';
import { isFailureType } from './history';
import { badge, duration, execHref, layout, time } from './layout';
import { EXECUTION_FILTERS, type ExecutionActions, type ExecutionRow, type ExecutionView, type HistoryRow, type Links, type WaitView } from './views';

export interface ListFilters {
  filter?: string;
  q?: string;
  stage?: string;
  /** Kept from the older form (/?status=FAILED): a status the tabs do not name. */
  status?: string;
}

function listHref(f: ListFilters, refresh: number | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ filter: f.filter, q: f.q, stage: f.stage, status: f.status })) if (v !== undefined && v !== '') q.set(k, v);
  if (refresh !== undefined) q.set('refresh', String(refresh));
  const s = q.toString();
  return s === '' ? '/' : `/?${s}`;
}

const dash = html`<span class="muted">-</span>`;

/** "Await qualification call · from sdr1@example.com · escalated". */
function waitCell(w: WaitView | undefined): Html {
  if (w === undefined) return dash;
  return html`${w.state}${w.who !== undefined ? html`<div class="small">from ${w.who}</div>` : ''}${w.escalated ? html` <span class="badge ESCALATED">escalated</span>` : ''}`;
}

function dueCell(w: WaitView | undefined): Html {
  if (w?.due === undefined) return dash;
  const overdue = w.dueText?.includes('overdue') === true;
  return html`<span class="${overdue ? 'overdue' : ''}" title="${formatDateTime(w.due)}">${w.dueText ?? ''}</span>`;
}

/** `tabs`: how many rows each quick filter would show, and all of them (before the filter is applied); else counted from `rows`. */
export function executionsPage(rows: ExecutionRow[], filters: ListFilters, stages: readonly string[], links?: Links, tabs?: { counts: Readonly<Record<string, number>>; total: number }): string {
  const counts = tabs?.counts ?? {};
  const total = tabs?.total ?? rows.length;
  const refresh = links?.refreshSeconds;
  const stageOpts = ['', ...stages].map((s) => html`<option value="${s}" ${s === (filters.stage ?? '') ? raw('selected') : ''}>${s === '' ? 'Any stage' : s}</option>`);
  const tab = (value: string | undefined, label: string, n: number) => {
    const on = (filters.filter ?? '') === (value ?? '');
    return html`<a class="tab${on ? ' on' : ''}" href="${listHref({ ...filters, filter: value }, refresh)}" ${on ? raw('aria-current="page"') : ''} data-filter="${value ?? 'all'}">${label} <span class="count">${n}</span></a>`;
  };
  const body = html`<h1>Executions</h1>
<form class="search" method="get" action="/" role="search">${refresh !== undefined ? html`<input type="hidden" name="refresh" value="${refresh}">` : ''}
${filters.filter !== undefined ? html`<input type="hidden" name="filter" value="${filters.filter}">` : ''}${filters.status !== undefined ? html`<input type="hidden" name="status" value="${filters.status}">` : ''}
<label>Search leads <input type="search" name="q" value="${filters.q ?? ''}" placeholder="Name, company, email or id" autocomplete="off"></label>
<label>Stage <select name="stage">${stageOpts}</select></label>
<button type="submit">Search</button> <a class="clear" href="/">Clear</a></form>
<nav class="tabs" aria-label="Show">${tab(undefined, 'All', total)}${EXECUTION_FILTERS.map(([value, label]) => tab(value, label, counts[value] ?? 0))}</nav>
<p class="small muted" aria-live="polite">${rows.length} shown. Due times are the execution's (scaled with --time-scale).</p>
<table class="executions"><thead><tr><th>Lead</th><th>Status</th><th>Waits for</th><th>Due</th><th>Owner</th><th>Stage</th><th>Started</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="7" class="muted">No executions match.</td></tr>` : ''}
${rows.map(
  (r) => html`<tr data-execution="${r.name}"><td data-label="Lead"><a href="${execHref(r.name)}">${r.leadName ?? r.name}</a>${r.company !== undefined ? html`<div>${r.company}</div>` : ''}<div class="small muted">${r.name}</div></td><td data-label="Status">${badge(r.status)}</td><td data-label="Waits for" class="waits">${r.status === 'RUNNING' ? waitCell(r.waiting) : dash}</td><td data-label="Due" class="due">${r.status === 'RUNNING' ? dueCell(r.waiting) : dash}</td><td data-label="Owner">${r.owner ?? dash}</td><td data-label="Stage" class="stage">${r.stage ?? dash}</td><td data-label="Started">${time(r.startDate)}</td></tr>`,
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

/** What it waits for now, in words: the first thing on the page. */
function nowPanel(view: ExecutionView): Html {
  const w = view.waiting;
  const current = view.currentStates.length > 0 ? view.currentStates.join(', ') : undefined;
  const waits =
    w === undefined
      ? ''
      : w.kind === 'wait'
        ? html`<p class="waits">Waits until ${w.due !== undefined ? html`<b class="until">${formatDateTime(w.due)}</b> (${w.dueText ?? ''})` : 'the time its definition computes'}.</p>`
        : html`<p class="waits">Waits for an answer${w.who !== undefined ? html` from <b>${w.who}</b>` : ''}${w.escalated ? ' (escalated to the team lead)' : ''}${w.due !== undefined ? html`, due <span class="${w.dueText?.includes('overdue') === true ? 'overdue' : ''}">${w.dueText ?? ''}</span> (${formatDateTime(w.due)})` : ''}.</p>`;
  return html`<section class="panel now" aria-label="Now">
<p class="now-line">${badge(view.status)} ${current !== undefined ? html`Now in <b class="current-state">${current}</b> <a class="small" href="#current-node">show in the graph</a>` : view.stopDate !== undefined ? html`Ended ${time(view.stopDate)}` : ''}${view.lead !== undefined ? html` · stage <b class="stage">${view.lead.stage}</b>` : ''}</p>
${waits}
${view.error !== undefined ? html`<p class="error-line">Error: <b>${view.error}</b>${view.cause !== undefined ? html` - ${view.cause}` : ''}</p>` : ''}
</section>`;
}

function actionForm(view: ExecutionView, answer: string, label: string, next: string, extra: Html = html``, danger = false): Html {
  return html`<form method="post" action="${execHref(view.name)}/actions" class="action" data-action="${answer}"><input type="hidden" name="answer" value="${answer}">${extra}<button type="submit" class="${danger ? 'danger' : ''}">${label}</button><p class="small muted">${next}</p></form>`;
}

function actionsPanel(view: ExecutionView, a: ExecutionActions | undefined): Html {
  if (a === undefined || (!a.canStop && a.rescue === undefined)) return html``;
  const problem = a.problem;
  const rescue = a.rescue;
  const member = (chosen: string | undefined) => html`<label for="reasonCode">Reassign to</label><select id="reasonCode" name="reasonCode" required ${problem?.field === 'reasonCode' ? raw('aria-invalid="true" aria-describedby="reasonCode-error"') : ''}><option value="">Choose a member</option>${(rescue?.members ?? []).map((m) => html`<option value="${m.value}" ${m.value === chosen ? raw('selected') : ''}>${m.label}</option>`)}</select>${problem?.field === 'reasonCode' ? html`<p id="reasonCode-error" class="field-error">${problem.message}</p>` : ''}`;
  return html`<section class="panel actions" aria-labelledby="actions-title"><h2 id="actions-title">${rescue !== undefined ? 'Decide what happens to this lead' : 'Actions'}</h2>
${rescue !== undefined ? html`<p class="small">The decision was asked of ${rescue.addressee} by email. A button here answers it as the email's links do: the first answer, here or there, is the one taken.</p>` : ''}
${problem !== undefined && problem.field !== 'reasonCode' ? html`<p class="field-error" role="alert">${problem.message}</p>` : ''}
<div class="action-list">
${(rescue?.answers ?? []).map((x) => actionForm(view, x.value, x.label, x.next, x.value === 'reassign' ? member(problem?.values.reasonCode) : html``, x.value === 'close'))}
${a.canStop ? actionForm(view, 'stop', 'Stop execution', 'The execution ends as aborted (StopExecution): no step runs after it, and any open request link stops working.', html``, true) : ''}
</div></section>`;
}

function inspectionPanel(view: ExecutionView): Html {
  const i = view.inspection;
  if (i === undefined) return html`<p class="small muted hint">Click a state in the graph or an event's number to see its input, output and variables.</p>`;
  return html`<section class="panel inspect" id="inspect" aria-labelledby="inspect-title"><h2 id="inspect-title">${i.title}</h2>
${i.sections.length === 0 ? html`<p class="muted">No data: ${i.state !== undefined ? 'this state was not entered yet' : 'this event carries none'}.</p>` : ''}
${i.sections.map(([label, text]) => html`<h3>${label}</h3><pre class="data" tabindex="0" data-section="${label}">${text}</pre>`)}
<p class="small"><a href="${execHref(view.name)}">Close</a></p></section>`;
}

function historyTable(view: ExecutionView, start: number): Html {
  const selected = new Set(view.inspection?.eventIds ?? []);
  const row = (h: HistoryRow) =>
    html`<tr class="${[isFailureType(h.type) ? 'fail' : '', selected.has(h.id) ? 'selected' : ''].join(' ').trim()}" data-event="${h.id}"><td><a href="?event=${h.id}#inspect" aria-label="Event ${h.id}: show its data">${h.id}</a></td><td>${h.type}</td><td>${h.stateName ?? ''}</td><td>${duration(h.timestamp.getTime() - start)}</td><td class="small">${h.detail ?? ''}</td></tr>`;
  return html`<table class="history"><thead><tr><th>ID</th><th>Type</th><th>Step</th><th>Elapsed</th><th>Detail</th></tr></thead><tbody>
${view.history.map(row)}
</tbody></table>`;
}

export function executionPage(view: ExecutionView, links?: Links): string {
  const svg = renderGraphSvg(graphFor(view.definition), {
    path: view.path,
    current: view.currentStates,
    ...(view.failedState !== undefined ? { failed: view.failedState } : {}),
    failedStates: view.failedStates ?? [],
    nodeHref: (state) => `?state=${encodeURIComponent(state)}#inspect`,
  });
  const lead = view.lead;
  const start = view.startDate.getTime();
  const body = html`<p class="small crumbs"><a href="/">Executions</a> › ${view.name}</p>
<h1>${lead !== undefined ? lead.label : view.name}</h1>
${nowPanel(view)}
${actionsPanel(view, view.actions)}
<div class="split">
<section class="pane" aria-labelledby="graph-title"><h2 id="graph-title">Graph</h2>
<p class="legend small"><span><i class="key current"></i>current</span><span><i class="key visited"></i>visited</span><span><i class="key failed"></i>failed ✕</span><span>dashed: on error</span></p>
<div class="graphbox" tabindex="0" role="region" aria-label="Graph (scrolls)">${raw(svg)}</div></section>
<section class="pane" aria-labelledby="history-title"><h2 id="history-title">Event history (${view.history.length})</h2>
${inspectionPanel(view)}
<div class="historybox" tabindex="0" role="region" aria-label="Event history (scrolls)">${historyTable(view, start)}</div></section>
</div>
${lead !== undefined ? html`<h2>Lead</h2><div class="panel"><dl class="facts"><dt>Lead</dt><dd>${lead.label}</dd><dt>Lead id</dt><dd>${lead.leadId}</dd>${lead.facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>` : ''}
${view.stageEvents !== undefined && view.stageEvents.length > 0
    ? html`<h2>Stage changes (${view.stageEvents.length})</h2>
<table class="stage-events"><thead><tr><th>When</th><th>From</th><th>To</th><th>Reason</th><th>Time in previous stage</th></tr></thead><tbody>
${view.stageEvents.map((e) => html`<tr data-to="${e.to}"><td>${time(e.at)}</td><td>${e.from ?? dash}</td><td>${e.to}</td><td>${e.reason}</td><td>${e.from === null ? '-' : duration(e.timeInPreviousStageMs)}</td></tr>`)}
</tbody></table>`
    : ''}
<h2>Execution</h2>
<div class="panel"><dl class="facts">
<dt>Name</dt><dd>${view.name}</dd>
<dt>Execution ARN</dt><dd class="small">${view.executionArn}</dd>
<dt>State machine</dt><dd class="small">${view.stateMachineArn}</dd>
<dt>Started</dt><dd>${time(view.startDate)}</dd><dt>Ended</dt><dd>${time(view.stopDate)}</dd>
</dl></div>`;
  return layout(view.name, '/', body, links);
}

/** After a button: what was done for which lead, and what happens next. */
export function actionDonePage(input: { name: string; lead?: string; done: string; next: string; status: number }, links?: Links): string {
  const ok = input.status < 300;
  const body = html`<p class="small crumbs"><a href="/">Executions</a> › <a href="${execHref(input.name)}">${input.name}</a></p>
<section class="panel done" aria-labelledby="done-title"><h1 id="done-title">${input.done}</h1>
<p>Lead: <b>${input.lead ?? input.name}</b> (${input.name})</p>
<p>${ok ? 'What happens next: ' : ''}${input.next}</p>
<p><a class="button" href="${execHref(input.name)}">Back to the execution</a></p></section>`;
  return layout(input.done, '/', body, links);
}
