/**
 * The local-only routes of the app server: the ops console pages and JSON
 * for scripts and tests. Everything else falls through to the HTTP API.
 *
 *   GET /                          executions (filters: status, stage)
 *   GET /executions/{name}         one execution: graph and event history
 *   GET /stages                    leads by stage
 *   GET /funnel-view               the funnel
 *   GET /team-feedback             feedback each team received
 *   GET /outbox                    sent mail with its links
 *   GET /local/outbox              JSON: to, subject, text, html, links, sentAt
 *   GET /local/executions          JSON: name, status, currentState, stage, dates (?status=&stage=)
 *   GET /local/leads               JSON: leads (?stage=)
 *   GET /local/pending             JSON: feedback requests waiting for an answer (?leadId=)
 *   GET /local/info                JSON: endpoints of this runtime
 */
import type { LocalReply, LocalRoute } from './app-http-server';
import type { ConsoleData } from './console/data';
import { STAGE_ORDER } from './console/data';
import { EXECUTION_STATUSES, executionPage, executionsPage, feedbackPage, funnelPage, leadsPage, notFoundPage, outboxPage, type Links } from './console/pages';

interface RuntimeInfo {
  app: string;
  sfn: string;
  dynamodb: string;
  ses: string;
  secrets: string;
  /** CloudFormation endpoint answering DescribeStacks CDKToolkit (local/bootstrap.ts), for `npm run preflight`. */
  cloudformation: string;
  stateMachineArn: string;
  tableName: string;
  timeScale: number;
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

export function localRoutes(data: ConsoleData, baseLinks: Links, info: RuntimeInfo): LocalRoute {
  return async ({ method, path, query }) => {
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
      case '/':
        return page(200, executionsPage(await data.executions(filters), filters, STAGE_ORDER, links));
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
      case '/local/outbox':
        return json(data.outbox());
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
    if (exec?.[1] !== undefined) {
      let name: string;
      try {
        name = decodeURIComponent(exec[1]);
      } catch {
        return page(400, notFoundPage('Bad execution name.', links));
      }
      const view = await data.execution(name);
      return view === undefined ? page(404, notFoundPage(`No execution named ${name}.`, links)) : page(200, executionPage(view, links));
    }
    return undefined;
  };
}
