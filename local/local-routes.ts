/**
 * The local-only routes of the app server: the ops console pages and JSON
 * for scripts and tests. Everything else falls through to the HTTP API.
 *
 *   GET /                          executions (search q; filter: running, needs-attention, stalled, escalated, ...; stage; status)
 *   GET /executions/{name}         one execution: graph and event history (?event=N or ?state=Name: its data)
 *   POST /executions/{name}/actions  a button: answer=retry|reassign(+reasonCode)|return|close (the rescue request) or stop
 *   GET /stages                    leads by stage
 *   GET /funnel-view               the funnel
 *   GET /team-feedback             feedback each team received
 *   GET /outbox                    sent mail with its links
 *   GET /roster                    the team roster and its history (console/roster-page.ts)
 *   GET /events                    the domain events the local bus received
 *   GET /local/outbox              JSON: to, subject, text, html, links, sentAt
 *   GET /local/executions          JSON: name, status, currentState, stage, dates (?status=&stage=)
 *   GET /local/leads               JSON: leads (?stage=)
 *   GET /local/pending             JSON: feedback requests waiting for an answer (?leadId=)
 *   GET /local/events              JSON: the domain events, oldest first (local/event-bus.ts)
 *   GET /local/info                JSON: endpoints of this runtime
 */
import type { LocalReply, LocalRoute } from './app-http-server';
import type { ConsoleData } from './console/data';
import type { BusEvent } from './event-bus';
import { STAGE_ORDER } from './console/data';
import { executionAction } from './console/actions';
import { matchesFilter } from './console/lead-rows';
import { EXECUTION_FILTERS, EXECUTION_STATUSES, eventsPage, executionPage, executionsPage, feedbackPage, funnelPage, leadsPage, notFoundPage, outboxPage, type ExecutionFilter, type Links } from './console/pages';
import { type RosterBody, rosterPage } from './console/roster-page';

interface RuntimeInfo {
  app: string;
  sfn: string;
  dynamodb: string;
  ses: string;
  secrets: string;
  /** CloudFormation endpoint answering DescribeStacks CDKToolkit (local/bootstrap.ts), for `npm run preflight`. */
  cloudformation: string;
  /** EventBridge endpoint (PutEvents) of the domain events' bus. */
  eventBridge: string;
  stateMachineArn: string;
  tableName: string;
  timeScale: number;
  /** The executions' clock: now on it is timeOrigin + (wall clock - timeOrigin) × timeScale (local/data-dir.ts executionTimeOrigin). */
  timeOrigin: number;
}

function page(status: number, body: string): LocalReply {
  return { status, contentType: 'text/html; charset=utf-8', body };
}

function json(body: unknown, status = 200): LocalReply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body, null, 1) };
}

function param(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

/** `/executions/{name}`'s name, or undefined (a bad %-escape included). */
function executionName(match: RegExpExecArray | null): string | undefined {
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

const isFilter = (v: string | undefined): v is ExecutionFilter => EXECUTION_FILTERS.some(([f]) => f === v);

/** `roster`: GET /teams's JSON, read through the API with the key (the Teams page). */
export function localRoutes(data: ConsoleData, baseLinks: Links, info: RuntimeInfo, roster?: () => Promise<RosterBody>, busEvents: () => BusEvent[] = () => []): LocalRoute {
  return async ({ method, path, query, body }) => {
    if (method === 'POST') {
      const name = executionName(/^\/executions\/([^/]+)\/actions$/.exec(path));
      if (name === undefined) return undefined;
      const reply = await executionAction(data, name, await body?.(), baseLinks);
      return page(reply.status, reply.body);
    }
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const refresh = Number(query.get('refresh'));
    const rest = new URLSearchParams(query);
    rest.delete('refresh');
    const links: Links = {
      ...baseLinks,
      self: `${path}${rest.toString() === '' ? '' : `?${rest.toString()}`}`,
      ...(Number.isInteger(refresh) && refresh >= 1 && refresh <= 300 ? { refreshSeconds: refresh } : {}),
    };
    const status = param(query, 'status');
    const stage = param(query, 'stage');
    const badStatus = status !== undefined && !(EXECUTION_STATUSES as readonly string[]).includes(status);
    const badStage = stage !== undefined && !(STAGE_ORDER as readonly string[]).includes(stage);
    if ((badStatus || badStage) && path.startsWith('/local/')) {
      return json({ message: badStatus ? `status must be one of ${EXECUTION_STATUSES.join(', ')}` : `stage must be one of ${STAGE_ORDER.join(', ')}`, field: badStatus ? 'status' : 'stage' }, 400);
    }
    // Pages ignore a filter they do not know.
    const filters = { status: badStatus ? undefined : status, stage: badStage ? undefined : stage };
    switch (path) {
      case '/': {
        const q = param(query, 'q');
        const filter = param(query, 'filter');
        const all = await data.executions({ ...filters, ...(q !== undefined ? { q } : {}) });
        const counts = Object.fromEntries(EXECUTION_FILTERS.map(([f]) => [f, all.filter((r) => matchesFilter(r, f)).length]));
        const rows = isFilter(filter) ? all.filter((r) => matchesFilter(r, filter)) : all;
        const shown = { ...filters, ...(q !== undefined ? { q } : {}), ...(isFilter(filter) ? { filter } : {}) };
        return page(200, executionsPage(rows, shown, STAGE_ORDER, links, { counts, total: all.length }));
      }
      case '/stages':
        return page(200, leadsPage(await data.leadsByStage(), links));
      case '/funnel-view': {
        let view;
        try {
          view = await data.funnel();
        } catch {
          return page(503, notFoundPage('The funnel is not available: the funnel function failed (see the server output).', links));
        }
        return page(200, funnelPage(view, links));
      }
      case '/team-feedback':
        return page(200, feedbackPage(await data.teamFeedback(), links));
      case '/outbox':
        return page(200, outboxPage(data.outbox(), links));
      case '/roster':
        return roster === undefined ? undefined : page(200, rosterPage(await roster(), links));
      case '/local/outbox':
        return json(data.outbox());
      case '/events':
        return page(200, eventsPage(busEvents(), links));
      case '/local/events':
        return json(busEvents());
      case '/local/executions':
        return json(
          (await data.executions(filters)).map((r) => ({
            name: r.name,
            executionArn: r.executionArn,
            status: r.status,
            currentState: r.currentState ?? null,
            stage: r.stage ?? null,
            startDate: r.startDate.toISOString(),
            stopDate: r.stopDate?.toISOString() ?? null,
          })),
        );
      case '/local/leads':
        return json((await data.leadsByStage(filters.stage)).flatMap((c) => c.leads.map((l) => ({ leadId: l.leadId, label: l.label, stage: l.stage, stageChangedAt: l.stageChangedAt ?? null }))));
      case '/local/pending':
        return json(await data.pending(param(query, 'leadId')));
      case '/local/info':
        return json(info);
      case '/favicon.ico':
        return { status: 204, contentType: 'image/x-icon', body: '' };
      default:
        break;
    }
    const exec = /^\/executions\/([^/]+)$/.exec(path);
    if (exec !== null) {
      const name = executionName(exec);
      if (name === undefined) return page(400, notFoundPage('Bad execution name.', links));
      const event = Number(query.get('event'));
      const state = param(query, 'state');
      const view = await data.execution(name, { ...(Number.isInteger(event) && event > 0 ? { event } : {}), ...(state !== undefined ? { state } : {}) });
      return view === undefined ? page(404, notFoundPage(`No execution named ${name}.`, links)) : page(200, executionPage(view, links));
    }
    return undefined;
  };
}
