/**
 * The HTTP API's routes and the function behind each, as the stack's
 * infra/constructs/http-api.ts defines them (local/stack.ts serves them).
 */
import type { FunctionName } from '../infra/function-table';
import type { HttpMethod } from './apigw';

export const API_ROUTES: readonly (readonly [HttpMethod, string, FunctionName])[] = [
  ['POST', '/leads', 'capture-lead'],
  ['DELETE', '/leads/{id}', 'delete-lead'],
  ['GET', '/feedback/{id}', 'feedback-page'],
  ['HEAD', '/feedback/{id}', 'feedback-page'],
  ['POST', '/feedback/{id}', 'feedback-page'],
  ['POST', '/webhooks/leads', 'lead-webhook'],
  ['GET', '/funnel', 'funnel'],
  ['GET', '/goal', 'goal'],
  ['PUT', '/goal', 'goal'],
  ['GET', '/teams', 'teams'],
  ['PUT', '/teams/{team}/members/{email}', 'teams'],
  ['DELETE', '/teams/{team}/members/{email}', 'teams'],
  ['PUT', '/teams/{team}/lead/{email}', 'teams'],
];
