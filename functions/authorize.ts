/**
 * HTTP API Lambda authorizer (payload 2.0, simple responses) for POST /leads
 * and GET /funnel: `Authorization: Bearer <key>`, the key from Secrets
 * Manager, constant-time compare. Never logs the header or the key.
 */
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { bearerToken, getApiKey, keysMatch } from './lib/api-key';
import { ENV, requireEnv } from './lib/config';
import { errorSummary, logger, metrics, MetricUnit, observe } from './lib/observability';

const secretId = requireEnv(ENV.apiKeySecretId);

export const handler = middy<APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult>()
  .use(observe())
  .handler(async (event) => {
    const headers = event.headers ?? {};
    const header = headers.authorization ?? headers.Authorization ?? event.identitySource?.[0];
    const token = bearerToken(header);
    if (token === undefined) {
      logger.info('unauthorized: missing or malformed bearer header', { routeKey: event.routeKey });
      metrics.addMetric('AuthorizerDenied', MetricUnit.Count, 1);
      return { isAuthorized: false };
    }
    let expected: string;
    try {
      expected = await getApiKey(secretId);
    } catch (error) {
      logger.error('could not read the API key secret', errorSummary(error));
      return { isAuthorized: false };
    }
    const isAuthorized = keysMatch(token, expected);
    if (!isAuthorized) {
      logger.info('unauthorized: wrong key', { routeKey: event.routeKey });
      metrics.addMetric('AuthorizerDenied', MetricUnit.Count, 1);
    }
    return { isAuthorized };
  });
