/**
 * The ops console's pages, server-rendered from plain view models (no
 * build step, no client script). Every value is escaped by `html`.
 */
import { html, type Html } from './html';
import { duration, execHref, layout, time } from './layout';
import { goalHeadline, goalRows } from '#lib/digest/figures';
import { FUNNEL_HEADLINE, type FunnelHeadlineCell, type FunnelSegment, type FunnelView, type Links, type OutboxItem, type StageColumn, type TeamFeedback } from './views';

export * from './views';
export { executionPage, executionsPage } from './execution-pages';

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
${view.goal === undefined ? '' : html`<section class="panel goal" data-goal><h2>Our shared goal: ${goalHeadline(view.goal)}</h2><dl class="facts">${goalRows(view.goal).map((r) => html`<dt>${r.label}</dt><dd>${String(r.value ?? '')}</dd>`)}</dl></section>`}
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
${m.html !== undefined && m.html !== '' ? html`<details><summary class="small">HTML part</summary><pre class="mail">${m.html}</pre></details>` : ''}
<details><summary class="small">Text</summary><pre class="mail">${m.text}</pre></details>
${(m.attachments ?? []).map(
  (a) => html`<details class="attachment"><summary class="small">Attachment: ${a.fileName} (${a.contentType})</summary><pre class="mail">${a.content}</pre></details>`,
)}</td></tr>`,
)}
</tbody></table>`;
  return layout('Outbox', '/outbox', body, links);
}

export function notFoundPage(what: string, links?: Links): string {
  return layout('Not found', '', html`<h1>Not found</h1><p>${what}</p><p><a href="/">Executions</a></p>`, links);
}

/** An event of the local bus, as the Events page shows it (local/event-bus.ts BusEvent). */
interface EventItem {
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

/** The domain events the local bus received, newest first: what a CRM's rule would get. */
export function eventsPage(events: readonly EventItem[], links?: Links): string {
  const newest = [...events].reverse();
  const body = html`<h1>Events (${events.length})</h1>
<p class="muted">The domain events the functions published to the local EventBridge bus (kept in events.jsonl; JSON at <a href="/local/events">/local/events</a>). See docs/events.md.</p>
<table class="events"><thead><tr><th>Time</th><th>Event</th><th>Lead</th><th>Detail</th></tr></thead><tbody>
${newest.length === 0 ? html`<tr><td colspan="4" class="muted">No event yet.</td></tr>` : ''}
${newest.map((e) => {
  const leadId = typeof e.detail.leadId === 'string' ? e.detail.leadId : '';
  const fields = Object.entries(e.detail).filter(([k]) => k !== 'leadId' && k !== 'occurredAt');
  return html`<tr><td>${time(e.time)}</td><td><b>${e['detail-type']}</b></td><td>${leadId !== '' ? html`<a href="${execHref(leadId)}">${leadId}</a>` : ''}</td><td class="small">${fields.map(([k, v]) => html`<div><span class="muted">${k}:</span> ${typeof v === 'string' ? v : JSON.stringify(v)}</div>`)}</td></tr>`;
})}
</tbody></table>`;
  return layout('Events', '/events', body, links);
}
