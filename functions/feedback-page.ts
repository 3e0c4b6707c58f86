/**
 * HTTP `GET|HEAD|POST /feedback/{id}` (API Gateway v2, public: the id is the
 * capability). GET/HEAD only show the form and never act (mail scanners
 * prefetch links). POST validates, records the answer (one wins) and
 * resumes the execution. Error pages: 400, 404, 409 (recorded answer), 410.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { tableName } from './lib/clients';
import { leadSummary } from './lib/email-layout';
import { ValidationError } from './lib/errors';
import { feedbackErrorResponse, renderConfirmationPage, renderFormPage } from './lib/feedback-pages';
import { openFeedback, submitFeedback } from './lib/feedback-service';
import type { FormBody } from './lib/feedback-steps';
import { type HttpResult, html, httpMiddlewares } from './lib/http';
import { MetricUnit, metrics } from './lib/observability';

tableName();

/** The event after http-urlencode-body-parser: a form body is an object. */
type FeedbackEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

function formBody(body: unknown): FormBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body', 'must be a form (application/x-www-form-urlencoded)');
  }
  const out: FormBody = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  return out;
}

export const handler = middy<FeedbackEvent, HttpResult>()
  .use(httpMiddlewares({ body: 'form', renderError: feedbackErrorResponse }))
  .handler(async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const id = event.pathParameters?.id;
    if (method === 'GET' || method === 'HEAD') {
      const { request, lead } = await openFeedback(id);
      const page = renderFormPage({
        step: request.step,
        summary: lead ? leadSummary(lead) : [{ label: 'Lead id', value: request.leadId }],
        ...(event.queryStringParameters?.answer ? { preselect: event.queryStringParameters.answer } : {}),
        deadline: request.deadline,
        answeredBy: request.answeredBy,
      });
      return html(200, method === 'HEAD' ? '' : page);
    }
    if (method === 'POST') {
      const answer = await submitFeedback(id, formBody(event.body));
      metrics.addMetric('FeedbackAnswered', MetricUnit.Count, 1);
      return html(200, renderConfirmationPage(answer));
    }
    const notAllowed = feedbackErrorResponse(405, undefined);
    return { ...notAllowed, headers: { ...notAllowed.headers, Allow: 'GET, HEAD, POST' } };
  });
