/**
 * `GET /funnel` (HTTP API v2, behind the authorizer): counts and conversion
 * per stage, time in stage, revenue won per currency, feedback per team
 * pair. Optional `?feedbackDays=N` (1-3650) counts only recent feedback.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { loadFunnel } from './lib/funnel';
import { httpMiddlewares, json, type HttpResult } from './lib/http';
import { parseInput } from './lib/parse';

const querySchema = z.object({
  feedbackDays: z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(1, 'must be 1 to 3650').max(3650, 'must be 1 to 3650').optional(),
});

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .handler(async (event) => {
    const { feedbackDays } = parseInput(querySchema, event.queryStringParameters ?? {});
    const now = new Date();
    const feedbackSince = feedbackDays === undefined ? null : new Date(now.getTime() - feedbackDays * 86_400_000).toISOString();
    return json(200, await loadFunnel({ feedbackSince, now }));
  });
