/**
 * The domain events' bus and the signed webhook in the stack: the bus, the
 * PutEvents grant scoped to it, the webhook secret and who reads it. A synth
 * without bundling (the grants and the environment do not depend on the
 * bundles; test/infra/stack.test.ts checks those: every bundle that sends
 * PutEvents belongs to a publisher).
 */
import { rmSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#lib/aws/config';
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName } from '../../infra/function-table';
import { SYNTH_TIMEOUT_MS, asArray, statementsOf, synthesize, type CfnResource, type Synthesized } from './synth';

let s: Synthesized;
const roleId = {} as Record<FunctionName, string>;

beforeAll(() => {
  s = synthesize({}, { 'aws:cdk:bundling-stacks': [] });
  for (const name of FUNCTION_NAMES) roleId[name] = s.stack.getLogicalId(s.stack.functions[name].role.node.defaultChild as CfnElement);
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  if (s !== undefined) rmSync(s.outdir, { recursive: true, force: true });
});

const statementsOfRole = (role: string) => statementsOf(s.json, role);

function functionResource(name: FunctionName): CfnResource {
  const r = s.json.Resources[s.stack.getLogicalId(s.stack.functions[name].function.node.defaultChild as CfnElement)];
  if (r === undefined) throw new Error(`no resource for ${name}`);
  return r;
}

describe('domain events and signed webhooks', () => {
  it('only lead-webhook may read the webhook secret, and it reads no other secret', () => {
    const webhookSecret = { Ref: s.stack.getLogicalId(s.stack.http.webhookSecret.node.defaultChild as CfnElement) };
    const readers = FUNCTION_NAMES.filter((n) => statementsOfRole(roleId[n]).some((x) => JSON.stringify(x.Resource) === JSON.stringify(webhookSecret)));
    expect(readers).toEqual(['lead-webhook']);
    const reads = statementsOfRole(roleId['lead-webhook']).filter((x) => asArray(x.Action).some((a) => String(a).startsWith('secretsmanager:')));
    expect(reads.map((x) => [x.Action, x.Resource])).toEqual([['secretsmanager:GetSecretValue', webhookSecret]]);
    const env = (functionResource('lead-webhook').Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
    expect(env[ENV.webhookSecretId]).toEqual(webhookSecret);
    expect(env).not.toHaveProperty(ENV.apiKeySecretId);
  });

  it('the functions that publish domain events may PutEvents on the pipeline bus only (its ARN, no wildcard), the others not at all', () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    const busId = s.stack.getLogicalId(s.stack.eventBus.node.defaultChild as CfnElement);
    const publishers = FUNCTION_NAMES.filter((n) => FUNCTIONS[n].publishesEvents);
    expect(publishers).toEqual(expect.arrayContaining(['capture-lead', 'lead-webhook', 'close-deal', 'record-outcome', 'share-feedback', 'feedback-page', 'delete-lead']));
    const eventsOf = (name: FunctionName) => {
      const puts = statementsOfRole(roleId[name]).filter((x) => asArray(x.Action).some((a) => String(a).startsWith('events:')));
      const env = (functionResource(name).Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      return { puts: puts.map((x) => [x.Action, x.Resource]), bus: env[ENV.eventBusName] ?? null };
    };
    const publisher = { puts: [['events:PutEvents', { 'Fn::GetAtt': [busId, 'Arn'] }]], bus: { Ref: busId } };
    const other = { puts: [], bus: null };
    expect(Object.fromEntries(FUNCTION_NAMES.map((name) => [name, eventsOf(name)]))).toEqual(
      Object.fromEntries(FUNCTION_NAMES.map((name) => [name, FUNCTIONS[name].publishesEvents ? publisher : other])),
    );
  });

  it('routes POST /webhooks/leads to lead-webhook, and outputs the bus and the webhook secret', () => {
    const route = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties?.['RouteKey'] === 'POST /webhooks/leads');
    expect(route).toBeDefined();
    expect(s.template.findOutputs('EventBusName')).not.toEqual({});
    expect(s.template.findOutputs('WebhookSecretArn')).not.toEqual({});
  });
});
