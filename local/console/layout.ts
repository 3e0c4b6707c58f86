/**
 * What every console page shares: the frame (header, navigation, auto-refresh),
 * the style sheet, and how times, durations and statuses are shown.
 */
import { html, raw, type Html } from './html';
import type { Links } from './views';

export const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#16191f;background:#f2f3f3}
header{background:#232f3e;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center;flex-wrap:wrap}
header a{color:#d5dbdb;text-decoration:none;display:inline-flex;align-items:center;justify-content:center;min-height:44px;min-width:44px}header a:hover,header a.on{color:#fff;text-decoration:underline}
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
form.search{display:flex;gap:12px;align-items:end;flex-wrap:wrap;margin-bottom:12px}form.search label{display:flex;flex-direction:column;font-size:13px;font-weight:600;gap:2px}
input[type=search],form select,.action select{font:inherit;min-height:44px;padding:6px 10px;border:1px solid #7d8998;border-radius:4px;background:#fff}input[type=search]{width:min(340px,86vw)}
button,a.button{font:inherit;min-height:44px;padding:8px 16px;border-radius:6px;border:1px solid #005a94;background:#005a94;color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}
button.danger{background:#fff;color:#b0280c;border-color:#b0280c}a.clear{display:inline-flex;align-items:center;min-height:44px;padding:0 8px}
nav.tabs{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 8px}nav.tabs a{display:inline-flex;align-items:center;gap:6px;min-height:44px;padding:0 12px;border:1px solid #aab4bf;border-radius:22px;background:#fff;text-decoration:none;color:#16191f}
nav.tabs a.on{background:#232f3e;color:#fff;border-color:#232f3e}nav.tabs .count{font-size:12px;background:#eaeded;color:#16191f;border-radius:10px;padding:0 7px}
.badge.ESCALATED{background:#fff1d6;color:#7a4100}.overdue{color:#b0280c;font-weight:600}
.now{border-left:4px solid #005a94}.now p{margin:4px 0}.now-line{font-size:16px}.error-line{color:#b0280c}
.actions h2{margin-top:0}.action-list{display:flex;flex-wrap:wrap;gap:12px}form.action{flex:1 1 220px;display:flex;flex-direction:column;gap:6px;align-items:flex-start;border:1px solid #eaeded;border-radius:6px;padding:10px}
form.action p{margin:0}.field-error{color:#b0280c;font-weight:600;margin:0}
.split{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:start}.pane h2{margin-top:4px}
.graphbox,.historybox{max-height:calc(100vh - 120px);overflow:auto}.historybox{box-shadow:0 1px 1px rgba(0,28,36,.3)}
svg.graph a:focus rect,svg.graph a:hover rect{stroke:#16191f;stroke-width:2.6}
table.history td{padding:4px 8px}table.history td a{display:inline-flex;align-items:center;min-width:44px;min-height:44px}table.history tr.fail td{color:#b0280c;font-weight:600}table.history tr.selected td{background:#fff1c2}
.inspect{border-left:4px solid #ff9900}.inspect h3{font-size:13px;margin:10px 0 4px}pre.data{white-space:pre-wrap;word-break:break-word;background:#fafafa;padding:8px;margin:0;max-height:300px;overflow:auto;font-size:12px}
i.key{display:inline-block;width:12px;height:12px;border:2px solid;margin-right:4px;vertical-align:middle}i.key.current{background:#e1f0fa;border-color:#005a94}i.key.visited{background:#e9f5e9;border-color:#1a6d02}i.key.failed{background:#fde8e8;border-color:#b0280c}
@media (max-width:800px){main{padding:12px}header{gap:0 16px;padding:4px 12px}header .api{display:none}.split{grid-template-columns:minmax(0,1fr)}.graphbox,.historybox{max-height:70vh}
table.executions thead,table.roster thead,table.roster-history thead{position:absolute;left:-9999px}
table.executions,table.executions tbody,table.executions tr,table.roster,table.roster tbody,table.roster tr,table.roster-history,table.roster-history tbody,table.roster-history tr{display:block}
table.executions tr,table.roster tr,table.roster-history tr{border-bottom:8px solid #f2f3f3}
table.executions td,table.roster td,table.roster-history td{display:block;position:relative;border:0;padding:4px 10px 4px 104px;min-height:28px;overflow-wrap:anywhere}
table.executions td::before,table.roster td::before,table.roster-history td::before{content:attr(data-label);position:absolute;left:10px;width:88px;font-weight:600;color:#5a6470}
table.roster td{padding-left:120px}table.roster td::before{width:104px}}
`;

const NAV: [string, string][] = [
  ['/', 'Executions'],
  ['/stages', 'Leads by stage'],
  ['/funnel-view', 'Funnel'],
  ['/team-feedback', 'Feedback'],
  ['/outbox', 'Outbox'],
  ['/roster', 'Teams'],
  ['/events', 'Events'],
];

export function layout(title: string, active: string, body: Html, links: Links = {}): string {
  const nav = NAV.map(([href, label]) => html`<a href="${href}" class="${href === active ? 'on' : ''}">${label}</a>`);
  const self = links.self ?? active;
  const withRefresh = `${self}${self.includes('?') ? '&' : '?'}refresh=5`;
  const ext = [
    links.mailViewer !== undefined ? html`<a href="${links.mailViewer}" target="_blank" rel="noopener">Mail viewer</a>` : '',
    links.sfnEndpoint !== undefined ? html`<span class="small muted api" title="AWS_ENDPOINT_URL_SFN">Step Functions API: ${links.sfnEndpoint}</span>` : '',
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

export function time(d: Date | string | undefined): Html {
  if (d === undefined) return html`<span class="muted">-</span>`;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return html`<span class="muted">-</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')}</time>`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

export function execHref(name: string): string {
  return `/executions/${encodeURIComponent(name)}`;
}
