/**
 * `POST /leads` (HTTP API v2; bearer key checked first by requireApiKey: 401).
 * Validates the lead, writes it (conditional, idempotent) and starts its
 * execution, named by the lead id.
 *
 * 201 `{ leadId, executionArn, created: true }` for a new lead;
 * 200 `{ leadId, executionArn, created: false }` for a duplicate submit (same
 * id, or same email + campaign): no second lead, no second execution;
 * 400 `{ message, field, errors: [{ field, message }], errorCount }` naming
 * the bad fields (the first MAX_REPORTED_ERRORS of them; errorCount counts all);
 * 413 (same shape, field `body`) for a body over MAX_LEAD_BODY_BYTES (64 KB);
 * 415 (same shape, field `content-type`) unless the body is sent as
 * `application/json` (charset, if given, utf-8);
 * 409 when a client-supplied id already belongs to another email.
 *
 * After an erasure, the same email and campaign (or the same client id) are a
 * new lead: its id is the erased one's next generation, `<id>-g2`, ... (201,
 * the new `leadId` in the body; leads/capture.ts), since the erased lead's id
 * and execution name are spent.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, type HttpResult } from '#lib/aws/http';
import { intakeLead } from '#lib/leads/intake';

export { isJsonContentType } from '#lib/leads/intake';

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  // Awaited here, so this entry file is on the request's stack (bench/requests.ts attributes requests by it).
  .handler(async (event) => await intakeLead(event));
