/**
 * The console's Teams page (`GET /roster`): each team's lead and members
 * (weight, time zone, out of office, and when an absence's open requests
 * moved) and every roster change (who, when, what), as `GET /teams`
 * returns them (functions/teams.ts). On a phone each row is a card.
 */
import { TEAM_NAMES } from '#lib/feedback/steps';
import { html } from './html';
import { layout, time } from './layout';
import type { Links } from './views';

/** "Inside Sales" for inside-sales; ops and any other team by its key. */
const teamName = (team: string): string => (TEAM_NAMES as Readonly<Record<string, string>>)[team] ?? (team === 'ops' ? 'Ops' : team);

interface Member {
  email: string;
  name: string;
  weight: number;
  timeZone: string;
  outOfOffice?: { from: string; until: string; reassignedAt?: string };
  outOfOfficeNow: boolean;
}

/** What GET /teams answers. */
export interface RosterBody {
  teams: Record<string, { lead: string; members?: Member[] }>;
  changes: { at: string; by: string; team: string; summary: string }[];
}

/** An absence's bound: a date as it was given, a date-time as the console shows times. */
const bound = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : time(value));

function availability(m: Member) {
  const away = m.outOfOffice;
  if (away === undefined) return 'available';
  const moved = away.reassignedAt === undefined ? '' : html`<div class="small muted">open requests moved ${time(away.reassignedAt)}</div>`;
  return html`${m.outOfOfficeNow ? html`<b>out of office</b>` : 'away'} ${bound(away.from)} to ${bound(away.until)}${moved}`;
}

export function rosterPage(roster: RosterBody, links?: Links): string {
  const body = html`<h1>Teams</h1>
<p class="small muted">Change the roster with the keyed API (GET /teams, PUT|DELETE /teams/{team}/members/{email}, PUT /teams/{team}/lead/{email}) or <code>npx tsx local/cli.ts teams</code>.</p>
${Object.entries(roster.teams).map(
  ([team, t]) => html`<h2 id="${team}">${teamName(team)}</h2>
<p>Lead: <b>${t.lead}</b></p>
${t.members === undefined
  ? ''
  : html`<table class="roster" data-team="${team}"><thead><tr><th>Member</th><th>Name</th><th>Weight</th><th>Time zone</th><th>Availability</th></tr></thead><tbody>
${t.members.map(
  (m) =>
    html`<tr><td data-label="Member">${m.email}</td><td data-label="Name">${m.name}</td><td data-label="Weight">${m.weight}</td><td data-label="Time zone">${m.timeZone}</td><td data-label="Availability">${availability(m)}</td></tr>`,
)}
</tbody></table>`}`,
)}
<h2 id="history">History</h2>
<table class="roster-history"><thead><tr><th>When</th><th>Team</th><th>What</th><th>Who</th></tr></thead><tbody>
${roster.changes.length === 0 ? html`<tr><td colspan="4" class="muted">No change yet.</td></tr>` : ''}
${roster.changes.map((c) => html`<tr><td data-label="When">${time(c.at)}</td><td data-label="Team">${teamName(c.team)}</td><td data-label="What">${c.summary}</td><td data-label="Who">${c.by}</td></tr>`)}
</tbody></table>`;
  return layout('Teams', '/roster', body, links);
}
