/**
 * `GET /funnel` (HTTP API v2; bearer key checked first: 401): counts and conversion
 * per stage, time in stage, revenue won per currency, feedback per team
 * pair, and the shared revenue goal's progress (`goal`, null without one).
 * All time, or with `?from=&to=` (ISO dates or times, both) what happened
 * in [from, to): the figures the team digests show for the same period.
 * Optional `?feedbackDays=N` (1-3650) counts only recent feedback.
 * A bad parameter: 400 `{ message, field }`.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { funnelWithGoal } from '#lib/funnel/goal';
import { requireApiKey } from '#lib/aws/api-key';
import { httpMiddlewares, json, type HttpResult } from '#lib/aws/http';
import { setting } from '#lib/aws/settings';
import { parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';

const goal = setting('revenueGoal');

/** A date that exists in the calendar (Date.parse rolls 2026-02-30 over to 2 March), and a time that parses. */
function isRealDate(v: string): boolean {
  const [y = 0, m = 0, d = 0] = v.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(v));
}

/** `2026-12-01` (midnight UTC) or a full ISO 8601 time with its offset. */
const isoDate = z
  .string()
  .check(
    z.regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/, 'must be an ISO 8601 date (2026-12-01) or time (2026-12-01T08:00:00Z)'),
    z.refine(isRealDate, 'is not a real date'),
  );

const querySchema = z
  .object({
    feedbackDays: z.optional(
      z.coerce.number({ error: 'must be a whole number of days' }).check(z.int('must be a whole number of days'), z.gte(1, 'must be 1 to 3650'), z.lte(3650, 'must be 1 to 3650')),
    ),
    from: z.optional(isoDate),
    to: z.optional(isoDate),
  })
  .check(
    z.refine((q) => q.from !== undefined || q.to === undefined, { message: 'is required with to', path: ['from'] }),
    z.refine((q) => q.to !== undefined || q.from === undefined, { message: 'is required with from', path: ['to'] }),
    z.refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { message: 'must be after from', path: ['to'] }),
  );

export const handler = middy<APIGatewayProxyEventV2, HttpResult>()
  .use(httpMiddlewares({ body: 'none' }))
  .use(requireApiKey())
  .handler(async (event) => {
    const { feedbackDays, from, to } = parseInput(querySchema, event.queryStringParameters ?? {});
    const now = new Date();
    const feedbackSince = feedbackDays === undefined ? null : new Date(now.getTime() - feedbackDays * 86_400_000).toISOString();
    const period = from === undefined || to === undefined ? undefined : { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    return json(200, await funnelWithGoal({ now, feedbackSince, goal, ...(period === undefined ? {} : { period }) }));
  });
