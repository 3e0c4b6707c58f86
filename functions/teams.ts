/**
 * The team roster's API (HTTP API v2; bearer key checked first: 401), and
 * its seed on the first deploy.
 *
 *   GET    /teams                                 the roster (each member: out of office now or not) and its latest changes
 *   PUT    /teams/{team}/members/{email}          add or replace a member: JSON { name, weight?, timeZone?, outOfOffice?: { from, until } }
 *   DELETE /teams/{team}/members/{email}?reassignTo=<email|round-robin>
 *                                                 remove a member; their open requests go to reassignTo (default round-robin)
 *   PUT    /teams/{team}/lead/{email}             make someone the team's lead (ops too)
 *
 * 400 names the bad field; 404 an unknown member; 409 refuses removing a
 * team's last member. A member put out of office (now) or removed has their
 * open requests issued again to another member (teams/reassign.ts; an
 * absence set ahead: at the first reminder sweep after it begins,
 * teams/absences.ts); a new team lead gets the requests the team asked of
 * the previous one (escalations, rescues). Every
 * change is kept with who made it (the `X-Changed-By` header, else "API
 * key") and when.
 *
 * The same function is the stack's RosterSeed custom resource: on create
 * and update it seeds, from the `teams` setting in the resource's
 * properties, each team not yet in the table (roster.ts seedRoster), and
 * answers CloudFormation through the pre-signed ResponseURL.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { requireApiKey } from '#lib/aws/api-key';
import { ENV, LOCAL_ENV, optionalEnv, requireEnv } from '#lib/aws/config';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { errorSummary, logger, observe } from '#lib/aws/observability';
import { setting } from '#lib/aws/settings';
import type { Team } from '#lib/core/contracts';
import { Conflict, NotFound, ValidationError } from '#lib/core/errors';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';
import { parseTeams } from '#lib/teams/directory';
import { reassignForAbsence } from '#lib/teams/absences';
import { reassignOpenRequests, reassignToNewLead, requestsReassigned } from '#lib/teams/reassign';
import {
  type RosterTeam,
  emailSchema,
  isOutOfOffice,
  listChanges,
  memberInputSchema,
  putMember,
  readRoster,
  recordChange,
  removeMember,
  rosterTeamSchema,
  seedRoster,
  setTeamLead,
} from '#lib/teams/roster';

const publicBaseUrl = requireEnv(ENV.publicBaseUrl);
const consoleBaseUrl = optionalEnv(LOCAL_ENV.consoleBaseUrl);
/** Where a rescue email issued again links the execution's page. */
const consoleLink = consoleBaseUrl ? { consoleBaseUrl } : {};
setting('mailFrom');

/** Who made a change: the X-Changed-By header (a name or address, one line), else the key's holder. */
function changedBy(event: APIGatewayProxyEventV2): string {
  const header = event.headers?.['x-changed-by']?.trim();
  if (header === undefined || header === '') return 'API key';
  if (header.length > 120 || /[\r\n]/.test(header)) throw new ValidationError('x-changed-by', 'must be one line of at most 120 characters');
  return header;
}

const decoded = (value: string | undefined): string | undefined => {
  if (value === undefined || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

function pathOf(event: APIGatewayProxyEventV2): { team: RosterTeam; email: string } {
  const p = event.pathParameters ?? {};
  return parseInput(z.object({ team: rosterTeamSchema, email: emailSchema }), { team: p.team, email: decoded(p.email) });
}

/** A member team (not ops, which has a lead only). */
function memberTeam(team: RosterTeam): Team {
  if (team === 'ops') throw new ValidationError('team', 'ops has a lead only: no members');
  return team;
}

function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '') throw new ValidationError('body', 'is required: JSON { "name", "weight", "timeZone", "outOfOffice": { "from", "until" } }');
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
  } catch {
    throw new ValidationError('body', 'must be JSON');
  }
}

async function getTeams(now: Date): Promise<HttpResult> {
  const [roster, changes] = await Promise.all([readRoster(), listChanges(100)]);
  const teams = Object.fromEntries(
    Object.entries(roster).map(([team, t]) => [team, 'members' in t ? { lead: t.lead, members: t.members.map((m) => ({ ...m, outOfOfficeNow: isOutOfOffice(m, now) })) } : t]),
  );
  return json(200, { teams, changes });
}

async function putTeamMember(event: APIGatewayProxyEventV2, now: Date): Promise<HttpResult> {
  const { team: rosterTeam, email } = pathOf(event);
  const team = memberTeam(rosterTeam);
  const input = parseInput(memberInputSchema, jsonBody(event));
  const by = changedBy(event);
  const { before, member, change } = await putMember(team, email, input, by, now);
  // Begun already: their open requests move now (one set ahead moves at the first reminder sweep after it begins).
  const reassigned = isOutOfOffice(member, now) ? await reassignForAbsence({ team, member, roster: await readRoster(), by, now, publicBaseUrl, ...consoleLink }) : [];
  logger.info('roster member put', { team, added: before === undefined, reassigned: reassigned.length });
  return json(before === undefined ? 201 : 200, { team, member, change, reassigned });
}

async function deleteTeamMember(event: APIGatewayProxyEventV2, now: Date): Promise<HttpResult> {
  const { team: rosterTeam, email } = pathOf(event);
  const team = memberTeam(rosterTeam);
  const by = changedBy(event);
  const raw = event.queryStringParameters?.reassignTo ?? 'round-robin';
  const to = raw === 'round-robin' ? raw : parseInput(z.object({ reassignTo: emailSchema }), { reassignTo: decoded(raw) }).reassignTo;
  const roster = await readRoster();
  const member = roster[team].members.find((m) => m.email === email);
  if (member === undefined) throw new NotFound(`no such member of ${team} (email)`);
  if (to !== 'round-robin' && (to === email || !roster[team].members.some((m) => m.email === to))) {
    throw new ValidationError('reassignTo', `must be another member of ${team}, or round-robin`);
  }
  if (roster[team].members.length <= 1) throw new Conflict(`that is the last member of ${team}: add another member first`);
  const why = 'they left the team';
  const remaining = { ...roster, [team]: { ...roster[team], members: roster[team].members.filter((m) => m.email !== email) } };
  // Before the removal (a failure leaves the member in place, to retry), and once more after it, for a request that came in between.
  const first = await reassignOpenRequests({ team, from: member, to, roster: remaining, why, publicBaseUrl, now, ...consoleLink });
  await removeMember(team, email, by, now);
  const second = await reassignOpenRequests({ team, from: member, to, roster: await readRoster(), why, publicBaseUrl, now, ...consoleLink });
  const reassigned = [...first, ...second];
  const change = await recordChange({
    at: now.toISOString(),
    by,
    team,
    action: 'member-removed',
    email,
    summary: `removed ${member.name}; ${requestsReassigned(reassigned.length)} (${to})`,
    reassigned: reassigned.length,
  });
  logger.info('roster member removed', { team, reassigned: reassigned.length });
  return json(200, { team, removed: member, change, reassigned });
}

async function putTeamLead(event: APIGatewayProxyEventV2, now: Date): Promise<HttpResult> {
  const { team, email } = pathOf(event);
  const by = changedBy(event);
  const { before, change } = await setTeamLead(team, email, by, now);
  const reassigned = await reassignToNewLead({ team, before, roster: await readRoster(), publicBaseUrl, now, ...consoleLink });
  if (reassigned.length > 0) {
    await recordChange({ at: new Date(now.getTime() + 1).toISOString(), by, team, action: 'lead-changed', email, summary: `${requestsReassigned(reassigned.length)} from ${before} to ${email}`, reassigned: reassigned.length });
  }
  logger.info('roster lead changed', { team, reassigned: reassigned.length });
  return json(200, { team, lead: email, change, reassigned });
}

const api = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async (event) => {
    const now = new Date();
    switch (event.routeKey) {
      case 'GET /teams':
        return getTeams(now);
      case 'PUT /teams/{team}/members/{email}':
        return putTeamMember(event, now);
      case 'DELETE /teams/{team}/members/{email}':
        return deleteTeamMember(event, now);
      case 'PUT /teams/{team}/lead/{email}':
        return putTeamLead(event, now);
      default:
        return json(404, { message: 'Not found' });
    }
  });

const isDeployEvent = (event: unknown): event is CloudFormationCustomResourceEvent =>
  typeof event === 'object' && event !== null && 'RequestType' in event && 'ResponseURL' in event;

/** The RosterSeed custom resource: seeds what is not seeded yet, then answers CloudFormation (a failure fails the deploy, saying why). */
const seedOnDeploy = middy<CloudFormationCustomResourceEvent, void>()
  .use(observe())
  .handler(async (event) => {
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'roster left as it is';
    try {
      if (event.RequestType !== 'Delete') {
        const seeded = await seedRoster(parseTeams(String(event.ResourceProperties['Teams'])), 'deploy (teams setting)');
        reason = seeded.length > 0 ? `seeded ${seeded.join(', ')}` : 'every team already seeded: the table is the truth';
      }
    } catch (error) {
      status = 'FAILED';
      reason = `roster seed failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
      logger.error('roster seed failed', errorSummary(error));
    }
    const body = JSON.stringify({
      Status: status,
      Reason: reason,
      PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'roster-seed',
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: {},
    });
    // A pre-signed S3 URL: signed without a content type.
    await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  });

export const handler = (event: APIGatewayProxyEventV2 | CloudFormationCustomResourceEvent, context: Context): Promise<HttpResult | void> =>
  isDeployEvent(event) ? seedOnDeploy(event, context) : api(event, context);
