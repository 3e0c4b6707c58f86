/**
 * The ops console's pages, server-rendered from plain view models (no
 * build step, no client script). Every value is escaped by `html`.
 */
import { html, raw, type Html } from './html';
import { layoutAsl, renderGraphSvg, type GraphLayout } from './graph';

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export interface ExecutionRow {
  name: string; // the lead id
  status: string;
  currentState?: string;
  stage?: string;
  startDate: Date;
  stopDate?: Date;
}

export interface HistoryRow {
  id: number;
  previousEventId: number;
  type: string;
  stateName?: string;
  timestamp: Date;
  /** A short, non-sensitive detail (error name, resource); never inputs or tokens. */
  detail?: string;
}

export interface ExecutionView {
  name: string;
  executionArn: string;
  stateMachineArn: string;
  status: string;
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
  currentStates: string[];
  /** States entered in order. */
  path: string[];
  failedState?: string;
  definition: unknown;
  history: HistoryRow[];
  lead?: LeadCard;
  /** The lead's stage changes (its audit trail), oldest first. */
  stageEvents?: StageEventRow[];
}

export interface StageEventRow {
  at: string;
  from: string | null;
  to: string;
  reason: string;
  timeInPreviousStageMs: number;
}

export interface LeadCard {
  leadId: string;
  /** What ops recognise the lead by: company and person. */
  label: string;
  stage: string;
  stageChangedAt?: string;
  facts: [string, string][];
}

export interface StageColumn {
  stage: string;
  leads: LeadCard[];
}

export interface FunnelStageRow {
  stage: string;
  current: number;
  entered: number;
  exited: number;
  /** Share of those who left for the next main-path stage, 0..1; null when not applicable. */
  conversion: number | null;
  /** Mean time in the stage of those who left it, ms; null when nobody left yet. */
  avgTimeMs: number | null;
  /** Median (from GET /funnel's histogram), ms; null when nobody left yet. */
  medianTimeMs: number | null;
  /** Top reasons for leaving the stage for an outcome. */
  reasons: { outcome: string; reason: string; count: number; nurtureWorthy: boolean }[];
  /** Left for a nurture-worthy reason: back to Marketing's nurture. */
  backToMarketing: number;
}

/** The headline figures in order, with their labels. */
export const FUNNEL_HEADLINE = [
  ['leads', 'Leads'],
  ['qualified', 'Qualified'],
  ['meetings', 'Meetings'],
  ['won', 'Won'],
  ['onboarded', 'Onboarded'],
  ['retained', 'Retained'],
  ['expanded', 'Expanded'],
] as const;

export interface FunnelHeadlineCell {
  step: string;
  label: string;
  value: number;
  /** Over the figure before it (expanded: over onboarded); null for leads or when undefined. */
  conversion: number | null;
}

export interface FunnelSegment {
  name: string;
  team?: string;
  headline: FunnelHeadlineCell[];
  revenue: { currency: string; amount: number; deals: number }[];
}

export interface FunnelView {
  headline: FunnelHeadlineCell[];
  stages: FunnelStageRow[];
  /** Overall conversion figures (0..1) by name. */
  overall: [string, number][];
  revenue: { currency: string; amount: number; deals: number }[];
  campaigns: FunnelSegment[];
  owners: FunnelSegment[];
  pairs: {
    step: string;
    from: string;
    to: string;
    count: number;
    averageRating: number | null;
    ratings: [string, number][];
    conversion: { from: string; to: string; rate: number | null };
    weeks: { week: string; count: number; averageRating: number | null; conversion: number | null }[];
  }[];
  nurtureWorthyReasons: string[];
  generatedAt?: string;
}

export interface FeedbackItem {
  leadId: string;
  fromTeam: string;
  toTeam: string;
  step: string;
  answer: string;
  comment: string;
  ratings: [string, number][];
  /** Details meant for this team (what was missing, difficulties, reason...). */
  details: [string, string][];
  campaign?: string;
  answeredBy?: string;
  at: string;
  /** The receiving team's reply (reply link), if it answered. */
  reply?: { status: string; note: string; repliedAt: string };
}

export interface TeamFeedback {
  team: string;
  items: FeedbackItem[];
}

export interface OutboxItem {
  id: string;
  to: string[];
  cc?: string[];
  subject: string;
  text: string;
  /** The HTML part, as sent (GET /local/outbox gives it; the console page shows the text part). */
  html?: string;
  links: string[];
  sentAt: string;
}

export interface Links {
  sfnEndpoint?: string;
  mailViewer?: string;
  dynamodb?: string;
  /** Reload the page every n seconds (meta refresh, no script). */
  refreshSeconds?: number;
  /** The page's own path and query without `refresh`, for the auto-refresh toggle. */
  self?: string;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#16191f;background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header a{color:#d5dbdb;text-decoration:none}header a:hover,header a.on{color:#fff;text-decoration:underline}
header .brand{font-weight:700;color:#ff9900}header .muted{color:#c6cdd4}main{padding:20px;max-width:1400px}
h1{font-size:22px;margin:0 0 14px}h2{font-size:17px;margin:22px 0 10px}
table{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 1px rgba(0,28,36,.3)}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eaeded;vertical-align:top}th{background:#fafafa;font-weight:600}
a{color:#005a94}.muted{color:#5a6470}.small{font-size:12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.RUNNING{background:#e1f0fa;color:#005a94}.SUCCEEDED{background:#e9f5e9;color:#1a6d02}.FAILED,.TIMED_OUT{background:#fde8e8;color:#b0280c}.ABORTED{background:#eee;color:#545b64}
form.filters{display:flex;gap:12px;align-items:end;margin-bottom:12px}form.filters label{display:flex;flex-direction:column;font-size:12px}
select,button{font:inherit;padding:4px 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.col{background:#fff;flex:1 1 200px;max-width:320px;padding:8px;box-shadow:0 1px 1px rgba(0,28,36,.3)}
.col h3{font-size:13px;margin:0 0 8px;text-transform:uppercase;color:#545b64}.card{border:1px solid #eaeded;padding:6px;margin-bottom:6px;border-radius:4px}
.panel{background:#fff;padding:14px;box-shadow:0 1px 1px rgba(0,28,36,.3);margin-bottom:16px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.facts dt{color:#5a6470}dl.facts dd{margin:0}
.graphbox{overflow:auto;background:#fff;padding:10px;box-shadow:0 1px 1px rgba(0,28,36,.3)}
svg.graph text{font:12px system-ui,sans-serif;fill:#16191f}
svg.graph .node rect{fill:#fff;stroke:#aab7b8;stroke-width:1.2}
svg.graph .node-choice rect{fill:#fdf6e3}svg.graph .node-terminal rect{fill:#f4f4f4}svg.graph .node-wait rect{fill:#f3effa}
svg.graph .node.visited rect{fill:#e9f5e9;stroke:#1a6d02;stroke-width:1.6}
svg.graph .node.current rect{fill:#e1f0fa;stroke:#005a94;stroke-width:2.6}
svg.graph .node.failed rect{fill:#fde8e8;stroke:#b0280c;stroke-width:2.6}
svg.graph .edge{fill:none;stroke:#c2c8cc;stroke-width:1.2}svg.graph .edge-catch{stroke-dasharray:4 3}
svg.graph .edge.taken{stroke:#2e7d32;stroke-width:2.4}svg.graph text.edge-label{font-size:10px;fill:#5a6470}
pre.mail{white-space:pre-wrap;background:#fafafa;padding:8px;margin:6px 0 0;max-height:260px;overflow:auto}
ul.links{margin:4px 0 0;padding-left:18px}.legend span{margin-right:14px}
`;

const NAV: [string, string][] = [
  ['/', 'Executions'],
  ['/stages', 'Leads by stage'],
  ['/funnel-view', 'Funnel'],
  ['/team-feedback', 'Feedback'],
  ['/outbox', 'Outbox'],
];

function layout(title: string, active: string, body: Html, links: Links = {}): string {
  const nav = NAV.map(([href, label]) => html`<a href="${href}" class="${href === active ? 'on' : ''}">${label}</a>`);
  const self = links.self ?? active;
  const withRefresh = `${self}${self.includes('?') ? '&' : '?'}refresh=5`;
  const ext = [
    links.mailViewer !== undefined ? html`<a href="${links.mailViewer}" target="_blank" rel="noopener">Mail viewer</a>` : '',
    links.sfnEndpoint !== undefined ? html`<span class="small muted" title="AWS_ENDPOINT_URL_SFN">Step Functions API: ${links.sfnEndpoint}</span>` : '',
    self !== ''
      ? links.refreshSeconds !== undefined
        ? html`<a class="small" href="${self}">Stop auto-refresh (${links.refreshSeconds} s)</a>`
        : html`<a class="small" href="${withRefresh}">Auto-refresh</a>`
      : '',
  ];
  const refresh = links.refreshSeconds !== undefined ? html`<meta http-equiv="refresh" content="${links.refreshSeconds}">` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${refresh}
<title>${title} · The Model pipeline (local)</title><style>${raw(STYLE)}</style></head>
<body><header><span class="brand">The Model pipeline</span>${nav}${ext}</header>
<main>${body}</main></body></html>`.value;
}

function time(d: Date | string | undefined): Html {
  if (d === undefined) return html`<span class="muted">-</span>`;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return html`<span class="muted">-</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')}</time>`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

function execHref(name: string): string {
  return `/executions/${encodeURIComponent(name)}`;
}

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

export function leadsPage(columns: StageColumn[], links?: Links): string {
  const total = columns.reduce((n, c) => n + c.leads.length, 0);
  const body = html`<h1>Leads by stage (${total})</h1><div class="cards">
${columns.map(
  (c) => html`<section class="col" data-stage="${c.stage}"><h3>${c.stage} (${c.leads.length})</h3>
${c.leads.map(
  (l) => html`<div class="card"><a href="${execHref(l.leadId)}">${l.label}</a><div class="small muted">${l.leadId}</div>${l.stageChangedAt !== undefined ? html`<div class="small muted">since ${time(l.stageChangedAt)}</div>` : ''}</div>`,
)}
</section>`,
)}
</div>`;
  return layout('Leads by stage', '/stages', body, links);
}

function percent(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

function money(amount: number, currency: string): string {
  return `${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${currency}`;
}

function rating(v: number | null): string {
  return v === null ? '-' : v.toFixed(2);
}

function revenueText(revenue: FunnelSegment['revenue']): string {
  return revenue.length === 0 ? '-' : revenue.map((r) => money(r.amount, r.currency)).join(', ');
}

/** One row of headline figures: data-n holds the number, for scripts and tests. */
function headlineCells(cells: FunnelHeadlineCell[]): Html[] {
  return cells.map((c) => html`<td data-n="${c.step}">${c.value}${c.conversion !== null ? html`<div class="small muted">${percent(c.conversion)}</div>` : ''}</td>`);
}

export function funnelPage(view: FunnelView, links?: Links): string {
  const heads = FUNNEL_HEADLINE.map(([, label]) => html`<th>${label}</th>`);
  const segmentTable = (kind: 'campaign' | 'owner', rows: FunnelSegment[]) => html`<table class="segments" data-kind="${kind}"><thead><tr><th>${kind === 'campaign' ? 'Campaign' : 'Owner'}</th>${heads}<th>Revenue won</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="9" class="muted">None yet.</td></tr>` : ''}
${rows.map((r) => html`<tr data-${kind}="${r.team !== undefined ? `${r.team}/${r.name}` : r.name}"><td>${r.name}${r.team !== undefined ? html`<div class="small muted">${r.team}</div>` : ''}</td>${headlineCells(r.headline)}<td>${revenueText(r.revenue)}</td></tr>`)}
</tbody></table>`;
  const body = html`<h1>Funnel</h1>
<table class="headline"><thead><tr>${heads}</tr></thead><tbody><tr data-headline="all">${headlineCells(view.headline)}</tr></tbody></table>
<p class="small muted">Under each figure: its conversion from the one before (expanded: of onboarded customers).</p>
<div class="panel"><dl class="facts">
${view.revenue.length === 0 ? html`<dt>Revenue won</dt><dd class="muted">none yet</dd>` : view.revenue.map((r) => html`<dt>Revenue won (${r.currency})</dt><dd class="revenue">${money(r.amount, r.currency)} from ${r.deals} deal${r.deals === 1 ? '' : 's'}</dd>`)}
${view.overall.map(([k, v]) => html`<dt>${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}</dt><dd>${percent(v)}</dd>`)}
</dl></div>
<h2>Stages</h2>
<table class="funnel"><thead><tr><th>Stage</th><th>Now</th><th>Entered</th><th>Left</th><th>Conversion to next stage</th><th>Average time in stage</th><th>Median time in stage</th><th>Top reasons for leaving</th></tr></thead><tbody>
${view.stages.map(
  (s) =>
    html`<tr data-stage="${s.stage}"><td>${s.stage}</td><td>${s.current}</td><td>${s.entered}</td><td>${s.exited}</td><td>${percent(s.conversion)}</td><td>${s.avgTimeMs === null ? '-' : duration(s.avgTimeMs)}</td><td>${s.medianTimeMs === null ? '-' : duration(s.medianTimeMs)}</td><td class="small">${s.reasons.map((r) => html`<div>${r.outcome}: ${r.reason} (${r.count})${r.nurtureWorthy ? html` <span class="muted">nurture</span>` : ''}</div>`)}${s.backToMarketing > 0 ? html`<div class="muted">${s.backToMarketing} back to Marketing's nurture</div>` : ''}</td></tr>`,
)}
</tbody></table>
<p class="small muted">Nurture-worthy reasons (the lead goes back to Marketing to be nurtured again, a churned customer to a win-back): ${view.nurtureWorthyReasons.join(', ')}.</p>
<h2>By campaign</h2>
${segmentTable('campaign', view.campaigns)}
<h2>By owner</h2>
${segmentTable('owner', view.owners)}
<h2>Hand-off quality between teams</h2>
<table class="pairs"><thead><tr><th>Step</th><th>From</th><th>To</th><th>Items</th><th>Mean rating (1-5)</th><th>Ratings</th><th>Conversion it feeds</th><th>Per ISO week: items, mean rating, conversion</th></tr></thead><tbody>
${view.pairs.length === 0 ? html`<tr><td colspan="8" class="muted">None yet.</td></tr>` : ''}
${view.pairs.map(
  (p) =>
    html`<tr data-pair="${p.from}->${p.to}"><td>${p.step}</td><td>${p.from}</td><td>${p.to}</td><td>${p.count}</td><td data-rating>${rating(p.averageRating)}</td><td class="small">${p.ratings.map(([k, v]) => html`${k}: ${v.toFixed(1)}<br>`)}</td><td>${p.conversion.from} -> ${p.conversion.to}: ${percent(p.conversion.rate)}</td><td class="small">${p.weeks.map((w) => html`<div>${w.week}: ${w.count}, ${rating(w.averageRating)}, ${percent(w.conversion)}</div>`)}</td></tr>`,
)}
</tbody></table>
${view.generatedAt !== undefined ? html`<p class="small muted">From GET /funnel at ${view.generatedAt}.</p>` : ''}`;
  return layout('Funnel', '/funnel-view', body, links);
}

export function feedbackPage(teams: TeamFeedback[], links?: Links): string {
  const body = html`<h1>Feedback each team received</h1>
${teams.map(
  (t) => html`<h2 id="${t.team}">${t.team} (${t.items.length})</h2>
<table class="feedback" data-team="${t.team}"><thead><tr><th>When</th><th>From</th><th>Step</th><th>Answer</th><th>Ratings (1-5)</th><th>Details and comment</th><th>Reply</th><th>Lead</th></tr></thead><tbody>
${t.items.length === 0 ? html`<tr><td colspan="8" class="muted">No feedback yet.</td></tr>` : ''}
${t.items.map(
  (f) =>
    html`<tr><td>${time(f.at)}</td><td>${f.fromTeam}${f.answeredBy === 'team-lead' ? html`<div class="small muted">team lead</div>` : ''}</td><td>${f.step}</td><td>${f.answer}</td><td class="small">${f.ratings.map(([k, v]) => html`${k}: ${v}<br>`)}</td><td>${f.details.map(([k, v]) => html`<div><span class="muted">${k}:</span> ${v}</div>`)}${f.comment !== '' ? html`<div>${f.comment}</div>` : ''}</td><td class="reply">${f.reply === undefined ? html`<span class="muted">none yet</span>` : html`<b>${f.reply.status}</b>${f.reply.note !== '' ? html`<div>${f.reply.note}</div>` : ''}<div class="small muted">${time(f.reply.repliedAt)}</div>`}</td><td><a href="${execHref(f.leadId)}">${f.leadId}</a>${f.campaign !== undefined ? html`<div class="small muted">campaign ${f.campaign}</div>` : ''}</td></tr>`,
)}
</tbody></table>`,
)}`;
  return layout('Feedback', '/team-feedback', body, links);
}

export function outboxPage(mails: OutboxItem[], links?: Links): string {
  const newest = [...mails].reverse();
  const body = html`<h1>Outbox (${mails.length})</h1>
<p class="muted">Every email the pipeline sent through the local SES. Click a link to answer as the recipient would (only links into this app are listed; others stay in the text).${links?.mailViewer !== undefined ? html` Also in the <a href="${links.mailViewer}">mail viewer</a>.` : ''}</p>
<table class="outbox"><thead><tr><th>Sent</th><th>To</th><th>Subject and links</th></tr></thead><tbody>
${newest.length === 0 ? html`<tr><td colspan="3" class="muted">No mail yet.</td></tr>` : ''}
${newest.map(
  (m) => html`<tr data-mail="${m.id}"><td>${time(m.sentAt)}</td><td>${m.to.join(', ')}${m.cc !== undefined && m.cc.length > 0 ? html`<div class="small muted">cc ${m.cc.join(', ')}</div>` : ''}</td><td><b>${m.subject}</b>
${m.links.length > 0 ? html`<ul class="links">${m.links.map((l) => html`<li><a href="${l}">${l}</a></li>`)}</ul>` : ''}
<details><summary class="small">Text</summary><pre class="mail">${m.text}</pre></details></td></tr>`,
)}
</tbody></table>`;
  return layout('Outbox', '/outbox', body, links);
}

export function notFoundPage(what: string, links?: Links): string {
  return layout('Not found', '', html`<h1>Not found</h1><p>${what}</p><p><a href="/">Executions</a></p>`, links);
}
