/**
 * `PUT /goal` and `GET /goal` (HTTP API v2; bearer key checked first: 401):
 * the revenue goal all four teams share (funnel/goal-setting.ts). PUT takes
 * JSON `{ "amount": 250000, "currency": "EUR", "period": "quarter" }`,
 * stores it in the table (no deploy: every digest, `GET /funnel` and the
 * console show it from then on) and answers 200 with the goal and its
 * progress; a bad field: 400 `{ message, field }`, and nothing changes.
 * GET answers the goal and its progress now (`goal: null` without one).
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { logger } from '#lib/aws/observability';
import { setting } from '#lib/aws/settings';
import { parseInput } from '#lib/core/parse';
import { goalProgress, saveGoal } from '#lib/funnel/goal';
import { goalSchema } from '#lib/funnel/goal-setting';

const seed = setting('revenueGoal');

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'json' }))
  .use(requireApiKey())
  .handler(async (event) => {
    const now = new Date();
    if (event.requestContext.http.method === 'PUT') {
      const goal = parseInput(goalSchema, event.body ?? {});
      await saveGoal(goal, now);
      logger.info('revenue goal set', { currency: goal.currency, period: goal.period });
    }
    return json(200, { goal: await goalProgress(seed, now) });
  });
