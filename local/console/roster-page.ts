/**
 * The console's Teams page (`GET /roster`): each team's lead and members
 * (weight, time zone, out of office) and every roster change (who, when,
 * what), as `GET /teams` returns them (functions/teams.ts).
 */
import { html } from './html';
import { layout, time } from './layout';
import type { Links } from './views';

interface Member {
  email: string;
  name: string;
  weight: number;
  timeZone: string;
  outOfOffice?: { from: string; until: string };
  outOfOfficeNow: boolean;
}

/** What GET /teams answers. */
export interface RosterBody {
  teams: Record<string, { lead: string; members?: Member[] }>;
  changes: { at: string; by: string; team: string; summary: string }[];
}

export function rosterPage(roster: RosterBody, links?: Links): string {
  const body = html`<h1>Teams</h1>
<p class="small muted">Change the roster with the keyed API (GET /teams, PUT|DELETE /teams/{team}/members/{email}, PUT /teams/{team}/lead/{email}) or <code>npx tsx local/cli.ts teams</code>.</p>
${Object.entries(roster.teams).map(
  ([team, t]) => html`<h2 id="${team}">${team}</h2>
<p>Lead: <b>${t.lead}</b></p>
${t.members === undefined
  ? ''
  : html`<table class="roster" data-team="${team}"><thead><tr><th>Member</th><th>Name</th><th>Weight</th><th>Time zone</th><th>Availability</th></tr></thead><tbody>
${t.members.map(
  (m) =>
    html`<tr><td>${m.email}</td><td>${m.name}</td><td>${m.weight}</td><td>${m.timeZone}</td><td>${m.outOfOffice === undefined ? 'available' : html`${m.outOfOfficeNow ? html`<b>out of office</b>` : 'away'} ${m.outOfOffice.from} to ${m.outOfOffice.until}`}</td></tr>`,
)}
</tbody></table>`}`,
)}
<h2 id="history">History</h2>
<table class="roster-history"><thead><tr><th>When</th><th>Team</th><th>What</th><th>Who</th></tr></thead><tbody>
${roster.changes.length === 0 ? html`<tr><td colspan="4" class="muted">No change yet.</td></tr>` : ''}
${roster.changes.map((c) => html`<tr><td>${time(c.at)}</td><td>${c.team}</td><td>${c.summary}</td><td>${c.by}</td></tr>`)}
</tbody></table>`;
  return layout('Teams', '/roster', body, links);
}
