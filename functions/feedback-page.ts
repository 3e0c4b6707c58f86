/**
 * HTTP `GET|HEAD|POST /feedback/{id}` (API Gateway v2, public: the id is the
 * capability). GET/HEAD only show the form and never act (mail scanners
 * prefetch links). POST validates, records the answer (one wins) and
 * resumes the execution. Error pages: 400, 404, 409 (recorded answer), 410.
 * A reply link (kind `reply`) gets the reply form instead: POST records the
 * receiving team's reply on the FEEDBACK item (once) and resumes nothing.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { tableName } from '#lib/aws/clients';
import { leadSummary } from '#lib/mail/layout';
import { ValidationError } from '#lib/core/errors';
import { feedbackErrorResponse, formProblem, renderConfirmationPage, renderFormPage, renderReplyConfirmationPage, renderReplyPage, replyProblem } from '#lib/feedback/pages';
import { openReply, submitReply } from '#lib/feedback/replies';
import { openFeedback, requestDefinition, submitFeedback } from '#lib/feedback/requests';
import type { FormBody } from '#lib/feedback/steps';
import { type HttpResult, html, httpMiddlewares } from '#lib/aws/http';
import { lookupLink } from '#lib/feedback/links';
import { MetricUnit, metrics } from '#lib/aws/observability';

tableName();

/** The event after the form parser (functions/lib/aws/http.ts): a form body is an object. */
type FeedbackEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

function formBody(body: unknown): FormBody {
  if (body === undefined || body === '') return {}; // an empty form: its fields are missing, not its body
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
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      const notAllowed = feedbackErrorResponse(405, undefined);
      return { ...notAllowed, headers: { ...notAllowed.headers, Allow: 'GET, HEAD, POST' } };
    }
    const link = await lookupLink(event.pathParameters?.id);
    const query = event.queryStringParameters ?? {};
    if (link.state === 'reply') {
      if (method === 'POST') {
        let form: FormBody = {};
        try {
          form = formBody(event.body);
          const { item, reply } = await submitReply(link.link, form);
          metrics.addMetric('FeedbackReplied', MetricUnit.Count, 1);
          return html(200, renderReplyConfirmationPage(item, reply));
        } catch (error) {
          // A reply with a mistake comes back as the form (400): the message beside its field, every value kept.
          if (!(error instanceof ValidationError)) throw error;
          const { item, lead } = await openReply(link.link);
          const summary = lead ? leadSummary(lead) : [{ label: 'Lead id', value: item.leadId }];
          return html(400, renderReplyPage({ item, summary, deadline: link.link.deadline, values: form, problem: replyProblem(error) }));
        }
      }
      const { item, lead } = await openReply(link.link);
      const page = renderReplyPage({
        item,
        summary: lead ? leadSummary(lead) : [{ label: 'Lead id', value: item.leadId }],
        ...(query.status ? { preselect: query.status } : {}),
        deadline: link.link.deadline,
      });
      return html(200, method === 'HEAD' ? '' : page);
    }
    if (method === 'POST') {
      let form: FormBody = {};
      try {
        form = formBody(event.body);
        const answer = await submitFeedback(link, form);
        metrics.addMetric('FeedbackAnswered', MetricUnit.Count, 1);
        const lead = link.state === 'pending' ? link.request.lead : undefined;
        return html(200, renderConfirmationPage(answer, lead && link.state === 'pending' ? leadSummary({ ...lead, leadId: link.request.leadId }) : []));
      } catch (error) {
        // A form with a mistake comes back as the form (400): the message beside its field, every value kept.
        if (!(error instanceof ValidationError) || link.state !== 'pending') throw error;
        const { request, lead } = await openFeedback(link);
        return html(
          400,
          renderFormPage({
            step: request.step,
            summary: lead ? leadSummary(lead) : [{ label: 'Lead id', value: request.leadId }],
            ...(request.context ? { context: request.context } : {}),
            deadline: request.deadline,
            answeredBy: request.answeredBy,
            values: form,
            problem: formProblem(request.step, error),
          }),
        );
      }
    }
    const { request, lead } = await openFeedback(link);
    const page = renderFormPage({
      step: request.step,
      definition: requestDefinition(request),
      summary: lead ? leadSummary(lead) : [{ label: 'Lead id', value: request.leadId }],
      ...(request.context ? { context: request.context } : {}),
      ...(query.answer ? { preselect: query.answer } : {}),
      deadline: request.deadline,
      answeredBy: request.answeredBy,
    });
    return html(200, method === 'HEAD' ? '' : page);
  });
