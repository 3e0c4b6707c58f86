/**
 * `POST /leads` (HTTP API v2; bearer key checked first by requireApiKey: 401).
 * Validates the lead, writes it (conditional, idempotent) and starts its
 * execution, named by the lead id.
 *
 * 201 `{ leadId, executionArn, created: true }` for a new lead;
 * 200 `{ leadId, executionArn, created: false }` for a duplicate submit (same
 * id, or same email + campaign): no second lead, no second execution;
 * 400 `{ message, field, errors: [{ field, message }] }` naming every bad field;
 * 413 (same shape, field `body`) for a body over MAX_LEAD_BODY_BYTES (64 KB);
 * 409 when a client-supplied id already belongs to another email.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLeadExecution } from '#lib/leads/executions';
import { Conflict } from '#lib/core/errors';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { LEAD_FIELDS, MAX_LEAD_BODY_BYTES, parseLeadBody, toLeadInput } from '#lib/leads/schema';
import { putNewLead } from '#lib/leads/profile';
import { logger, metrics, MetricUnit } from '#lib/aws/observability';

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async (event) => {
    // Over the stated limit: 413 before any parsing (API Gateway itself accepts up to 10 MB).
    if (event.body !== undefined && Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') > MAX_LEAD_BODY_BYTES) {
      const message = `must be at most ${MAX_LEAD_BODY_BYTES} bytes`;
      return json(413, { message: `body: ${message}`, field: 'body', errors: [{ field: 'body', message }] });
    }
    const parsed = parseLeadBody(event.body, event.isBase64Encoded);
    if (!parsed.ok) {
      const first = parsed.errors[0];
      // Field names only, and only ours: an unknown key is client data, not logged.
      logger.info('lead rejected', { fields: parsed.errors.map((e) => (LEAD_FIELDS.has(e.field) ? e.field : 'unknown-field')) });
      return json(400, {
        message: parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        field: first?.field ?? 'body',
        errors: parsed.errors,
      });
    }
    const input = parsed.lead;
    const { created, lead } = await putNewLead(input.id, toLeadInput(input));
    if (!created && lead.email !== input.email) {
      throw new Conflict('a lead with this id already exists for another contact', { leadId: input.id });
    }
    // Start unless the lead has already moved on (its execution ran). For a
    // lead still 'captured', a previous submit may have crashed before
    // starting it: starting now completes it, and an execution that is
    // already there counts as started.
    const mustStart = created || lead.stage === 'captured';
    const { executionArn, started } = await startLeadExecution(input.id, { startIfMissing: mustStart });
    logger.info('lead captured', { leadId: input.id, created, started, idSource: input.idSource });
    if (created) metrics.addMetric('LeadCaptured', MetricUnit.Count, 1);
    else metrics.addMetric('LeadDuplicateSubmit', MetricUnit.Count, 1);
    return json(created ? 201 : 200, { leadId: input.id, executionArn, created });
  });
