/**
 * `POST /webhooks/leads` (HTTP API v2): a lead from a form tool that cannot
 * send a bearer key, signed instead (aws/webhook-signature.ts):
 * `X-Signature-Timestamp: <unix seconds>` and `X-Signature: sha256=<hex
 * HMAC-SHA256(webhook secret, "<timestamp>.<raw body>")>`. A missing, wrong,
 * stale (over 5 minutes) or replayed signature: 401, nothing done. A signed
 * post is then taken exactly as `POST /leads` takes it
 * (functions/capture-lead.ts: 201, 200, 400, 409, 413, 415; leads/intake.ts).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requireWebhookSignature } from '#lib/aws/webhook-signature';
import { httpMiddlewares, type HttpResult } from '#lib/aws/http';
import { intakeLead } from '#lib/leads/intake';

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireWebhookSignature())
  // Awaited here, so this entry file is on the request's stack (bench/requests.ts attributes requests by it).
  .handler(async (event) => await intakeLead(event));
