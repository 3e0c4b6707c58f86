/**
 * `DELETE /leads/{id}` (HTTP API v2; bearer key checked first by
 * requireApiKey: 401): erases the lead's personal data, stops its execution and
 * invalidates its feedback links, keeping the anonymous funnel counts.
 *
 * 200 `{ leadId, erased, executionStopped, feedbackItemsCleaned, linksDeleted }`
 * (erased: false when it already was); 400 naming `id`; 404 for an unknown lead.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { eraseLead } from '#lib/leads/erasure';
import { ValidationError } from '#lib/core/errors';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { LEAD_ID_PATTERN } from '#lib/leads/schema';
import { logger, metrics, MetricUnit } from '#lib/aws/observability';

/** Client ids, derived ids (`ld-<hex>`), later generations (`<id>-g<n>`, leads/capture.ts) and expansion ids (`<id>-x<n>`): what an execution name can be. */
const ERASABLE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async (event) => {
    const id = event.pathParameters?.id;
    if (id === undefined || !(LEAD_ID_PATTERN.test(id) || ERASABLE_ID.test(id))) throw new ValidationError('id', 'must be a lead id');
    const result = await eraseLead(id);
    logger.info('lead erased', { leadId: id, erased: result.erased, executionStopped: result.executionStopped, feedbackItemsCleaned: result.feedbackItemsCleaned, linksDeleted: result.linksDeleted });
    if (result.erased) metrics.addMetric('LeadErased', MetricUnit.Count, 1);
    return json(200, result);
  });
