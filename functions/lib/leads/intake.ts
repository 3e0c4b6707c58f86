/**
 * A lead posted over HTTP, as `POST /leads` (bearer key) and `POST
 * /webhooks/leads` (signed by a form tool) both take it, once the caller is
 * authorized: the size and content-type checks, validation naming each bad
 * field, the capture (leads/capture.ts) and the start of its execution. The
 * answers are those functions/capture-lead.ts documents.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { json, type HttpResult } from '#lib/aws/http';
import { logger, metrics, MetricUnit } from '#lib/aws/observability';
import { captureLead } from './capture';
import { startLeadExecution } from './executions';
import { LEAD_FIELDS, MAX_LEAD_BODY_BYTES, MAX_REPORTED_ERRORS, parseLeadBody, toLeadInput } from './schema';

/** `application/json`, with no charset or utf-8 (the body is read as UTF-8). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...params] = value.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
}

/** Validates, stores and starts the posted lead: 201, 200 (a duplicate), 400, 409, 413 or 415. */
export async function intakeLead(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  // Over the stated limit: 413 before any parsing (API Gateway itself accepts up to 10 MB).
  if (event.body !== undefined && Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') > MAX_LEAD_BODY_BYTES) {
    const message = `must be at most ${MAX_LEAD_BODY_BYTES} bytes`;
    return json(413, { message: `body: ${message}`, field: 'body', errors: [{ field: 'body', message }], errorCount: 1 });
  }
  // JSON only: a form or text/plain body is not read as JSON (a cross-site form post sends those).
  if (!isJsonContentType(event.headers?.['content-type'])) {
    const message = 'must be application/json';
    return json(415, { message: `content-type: ${message}`, field: 'content-type', errors: [{ field: 'content-type', message }], errorCount: 1 });
  }
  const parsed = parseLeadBody(event.body, event.isBase64Encoded);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    // parsed.errors holds at most MAX_REPORTED_ERRORS; the count says how many more there were.
    const more = parsed.errorCount - parsed.errors.length;
    // Field names only, and only ours: an unknown key is client data, not logged.
    logger.info('lead rejected', { fields: parsed.errors.map((e) => (LEAD_FIELDS.has(e.field) ? e.field : 'unknown-field')), errorCount: parsed.errorCount });
    return json(400, {
      message: `${parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}${more > 0 ? `; and ${more} more (${parsed.errorCount} errors, the first ${MAX_REPORTED_ERRORS} listed)` : ''}`,
      field: first?.field ?? 'body',
      errors: parsed.errors,
      errorCount: parsed.errorCount,
    });
  }
  const input = parsed.lead;
  // Under its id, or the id's next generation when that lead was erased (a new lead, a new execution name).
  const { leadId, created, lead } = await captureLead(input.id, toLeadInput(input));
  // Start unless the lead has already moved on (its execution ran). For a
  // lead still 'captured', a previous submit may have crashed before
  // starting it: starting now completes it, and an execution that is
  // already there counts as started.
  const mustStart = created || lead.stage === 'captured';
  const { executionArn, started } = await startLeadExecution(leadId, { startIfMissing: mustStart });
  logger.info('lead captured', { leadId, created, started, idSource: input.idSource, ...(leadId !== input.id ? { afterErasure: true } : {}) });
  if (created) metrics.addMetric('LeadCaptured', MetricUnit.Count, 1);
  else metrics.addMetric('LeadDuplicateSubmit', MetricUnit.Count, 1);
  return json(created ? 201 : 200, { leadId, executionArn, created });
}
