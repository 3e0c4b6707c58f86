/**
 * `GET /funnel` (HTTP API v2; bearer key checked first: 401): counts and conversion
 * per stage, time in stage, revenue won per currency, feedback per team
 * pair. Optional `?feedbackDays=N` (1-3650) counts only recent feedback.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadFunnel } from '#lib/funnel/report';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

const querySchema = z.object({
  feedbackDays: z.optional(
    z.coerce.number({ error: 'must be a whole number of days' }).check(z.int('must be a whole number of days'), z.gte(1, 'must be 1 to 3650'), z.lte(3650, 'must be 1 to 3650')),
  ),
});

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async (event) => {
    const { feedbackDays } = parseInput(querySchema, event.queryStringParameters ?? {});
    const now = new Date();
    const feedbackSince = feedbackDays === undefined ? null : new Date(now.getTime() - feedbackDays * 86_400_000).toISOString();
    return json(200, await loadFunnel({ feedbackSince, now }));
  });
