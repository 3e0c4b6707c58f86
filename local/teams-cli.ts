/**
 * `npx tsx local/cli.ts teams ...`: the roster verbs of the CLI, over the
 * keyed /teams routes (functions/teams.ts) of a running `npm start` (or of
 * a deployed stack, with --url and --key):
 *
 *   teams [--json]                                  the roster and its latest changes
 *   teams put <team> <email> --name N [--weight W] [--time-zone Z] [--away-from D --away-until D]
 *   teams remove <team> <email> [--reassign-to <email|round-robin>]
 *   teams lead <team> <email>
 *
 * Each change is recorded as made by `cli (<user>)`.
 */
import { userInfo } from 'node:os';
import type { RosterBody } from './console/roster-page';

export interface TeamsCliOptions {
  url: string;
  key: string;
  json: boolean;
  name?: string | undefined;
  weight?: string | undefined;
  timeZone?: string | undefined;
  awayFrom?: string | undefined;
  awayUntil?: string | undefined;
  reassignTo?: string | undefined;
}

type Change = RosterBody['changes'][number];

/** The error of a refused request, in one line: the field and its message when the API names one. */
function refusal(status: number, body: Record<string, unknown>): string {
  const message = typeof body.message === 'string' ? body.message : 'rejected';
  return `HTTP ${status}: ${message}`;
}

async function call(o: TeamsCliOptions, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  let who = 'cli';
  try {
    who = `cli (${userInfo().username})`;
  } catch {
    // no user name on this system
  }
  const res = await fetch(`${o.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${o.key}`, 'x-changed-by': who, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const memberPath = (team: string, email: string): string => `/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(email)}`;

function roster(body: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [team, t] of Object.entries((body as unknown as RosterBody).teams)) {
    lines.push(`${team} (lead ${t.lead})`);
    for (const m of t.members ?? []) {
      const away = m.outOfOffice ? `out of office ${m.outOfOffice.from} to ${m.outOfOffice.until}${m.outOfOfficeNow ? ' (now)' : ''}` : 'available';
      lines.push(`  ${m.email}  ${m.name}  weight ${m.weight}  ${m.timeZone}  ${away}`);
    }
  }
  lines.push('', 'Latest changes:');
  for (const c of (body as unknown as RosterBody).changes.slice(0, 20)) lines.push(`  ${c.at}  ${c.team}  ${c.summary}  (by ${c.by})`);
  return `${lines.join('\n')}\n`;
}

/** Runs one teams verb; returns the exit code. */
export async function runTeams(positionals: readonly string[], o: TeamsCliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [verb, team, email] = positionals;
  let result: { status: number; body: Record<string, unknown> };
  switch (verb) {
    case undefined:
    case 'list':
      result = await call(o, 'GET', '/teams');
      if (result.status === 200) {
        out(o.json ? `${JSON.stringify(result.body, null, 2)}\n` : roster(result.body));
        return 0;
      }
      break;
    case 'put': {
      if (team === undefined || email === undefined) throw new Error('teams put needs <team> <email>');
      const member: Record<string, unknown> = { name: o.name };
      if (o.weight !== undefined) member.weight = Number(o.weight);
      if (o.timeZone !== undefined) member.timeZone = o.timeZone;
      if (o.awayFrom !== undefined || o.awayUntil !== undefined) member.outOfOffice = { from: o.awayFrom, until: o.awayUntil };
      result = await call(o, 'PUT', memberPath(team, email), member);
      break;
    }
    case 'remove':
      if (team === undefined || email === undefined) throw new Error('teams remove needs <team> <email>');
      result = await call(o, 'DELETE', `${memberPath(team, email)}${o.reassignTo !== undefined ? `?reassignTo=${encodeURIComponent(o.reassignTo)}` : ''}`);
      break;
    case 'lead':
      if (team === undefined || email === undefined) throw new Error('teams lead needs <team> <email>');
      result = await call(o, 'PUT', `/teams/${encodeURIComponent(team)}/lead/${encodeURIComponent(email)}`);
      break;
    default:
      throw new Error(`unknown teams verb "${verb}" (list, put, remove, lead)`);
  }
  if (result.status >= 300) {
    err(`Refused (${refusal(result.status, result.body)})\n`);
    return 1;
  }
  const change = result.body.change as Change | undefined;
  const moved = (result.body.reassigned as unknown[] | undefined)?.length ?? 0;
  out(o.json ? `${JSON.stringify(result.body, null, 2)}\n` : `${change?.team ?? team}: ${change?.summary ?? 'done'}${verb === 'put' && moved > 0 ? ` (${moved} open request${moved === 1 ? '' : 's'} reassigned)` : ''}\n`);
  return 0;
}
