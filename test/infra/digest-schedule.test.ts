/**
 * The DigestSchedule construct with a schedule and time zone other than the
 * defaults (the whole stack with the defaults: stack.test.ts). No bundling:
 * an inline function stands in for send-digest.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { DigestSchedule } from '../../infra/constructs/digest-schedule';
import { resolveSettings } from '../../infra/settings';

function synth(expression: string, timezone: string, options: { retryAttempts?: number; maxEventAge?: Duration } = {}) {
  const stack = new Stack(new App(), 'DigestOnly', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = new lambda.Function(stack, 'SendDigest', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('export const handler = async () => ({});') });
  const dlq = new sqs.Queue(stack, 'Dlq');
  const digest = new DigestSchedule(stack, 'Digest', { function: fn, expression, timezone, deadLetterQueue: dlq, ...options });
  return { stack, fn, dlq, digest, template: Template.fromStack(stack) };
}

describe('DigestSchedule', () => {
  it('schedules the configured expression in the configured time zone, with the fire time as input', () => {
    const settings = resolveSettings({ digestSchedule: 'cron(30 7 ? * MON-FRI *)', digestTimezone: 'Europe/Paris' });
    const { stack, fn, dlq, digest, template } = synth(settings.digestSchedule, settings.digestTimezone, { retryAttempts: 2, maxEventAge: Duration.hours(1) });
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 7 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: stack.resolve(fn.functionArn) as unknown,
        RoleArn: stack.resolve(digest.role.roleArn) as unknown,
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: stack.resolve(dlq.queueArn) as unknown },
      },
    });
  });

  it('lets only EventBridge Scheduler of this account assume its role, to invoke that function and write to that queue', () => {
    const { stack, fn, dlq, digest, template } = synth('rate(1 day)', 'UTC');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })],
      },
    });
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies)
      .filter((p) => JSON.stringify(p).includes(JSON.stringify(stack.resolve(digest.role.roleName))))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    expect(statements.map((st) => st.Action).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statements.find((st) => st.Action === 'lambda:InvokeFunction');
    expect(invoke?.Resource).toEqual([stack.resolve(fn.functionArn), { 'Fn::Join': ['', [stack.resolve(fn.functionArn), ':*']] }]);
    expect(statements.find((st) => st.Action === 'sqs:SendMessage')?.Resource).toEqual(stack.resolve(dlq.queueArn));
  });
});
