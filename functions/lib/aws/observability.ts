/**
 * Powertools instances shared by every handler (one each per process), and
 * the middleware that wires them into middy.
 *
 * Never log events, emails, task tokens or link ids: log ids of leads, step
 * names and error names only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

const METRICS_NAMESPACE = 'TheModelPipeline';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'the-model-pipeline';

export const logger = new Logger({ serviceName });

/**
 * Metrics' own warnings go to the logger, except the notice it gives on every
 * invocation that added no metric (page views, most task handlers): a log
 * line per request on AWS and a console write per request locally, for nothing.
 */
const NO_METRICS_NOTICE = 'No application metrics to publish';
const metricsLogger = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) => {
    if (!String(message).startsWith(NO_METRICS_NOTICE)) logger.warn(message);
  },
  error: (message: string) => logger.error(message),
};

export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  logger: metricsLogger,
});
export const tracer = new Tracer({ serviceName });

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Tracer, logger context (event NOT logged) and metrics flush, for any handler.
 * Use first in the middy chain: `middy<E, R>().use(observe())...`.
 */
export function observe(): MiddlewareObj[] {
  return [
    captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj,
    injectLambdaContext(logger, { logEvent: false, resetKeys: true }) as MiddlewareObj,
    logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }) as MiddlewareObj,
  ];
}

const EMAIL = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g;
const LONG_TOKEN = /[A-Za-z0-9_\-+/=.]{32,}/g;

/** Masks what may be personal or secret in a free-text message: email addresses and long token-like strings. */
function redact(text: string): string {
  return text.replace(EMAIL, '<email>').replace(LONG_TOKEN, '<redacted>');
}

/** A short, safe description of an error for logs: its name and a redacted, cut message; never its payload. */
export function errorSummary(error: unknown): { errorName: string; errorMessage?: string } {
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: redact(error.message.slice(0, 300)) };
  }
  return { errorName: typeof error };
}
