import { type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DigestScheduleProps {
  /** The send-digest function. */
  readonly function: lambda.IFunction;
  /** EventBridge Scheduler expression (validated by the digestSchedule setting, functions/lib/aws/settings.ts). */
  readonly expression: string;
  /** IANA time zone of the expression. */
  readonly timezone: string;
  /** Where invocations go that Scheduler could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Delivery retries. @default 5 */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps trying to deliver one invocation. @default Duration.hours(6) */
  readonly maxEventAge?: Duration;
}

/**
 * The team digest's EventBridge Scheduler schedule: invokes send-digest with
 * `{ "scheduledTime": <aws.scheduler.scheduled-time> }`, so every delivery
 * attempt of one fire time covers the same period (and the mailer's
 * idempotency key, team + period start, sends each digest once). Its role
 * may invoke only that function and write only to the dead-letter queue.
 */
export class DigestSchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DigestScheduleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: 'EventBridge Scheduler: invokes send-digest',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: "Sends each team's feedback digest (digestSchedule)",
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timezone)),
      target: new targets.LambdaInvoke(props.function, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        retryAttempts: props.retryAttempts ?? 5,
        maxEventAge: props.maxEventAge ?? Duration.hours(6),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
    const functionId = Stack.of(this).getLogicalId(props.function.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
      reason: 'LambdaInvoke grants lambda:InvokeFunction on the send-digest function and its qualified ARNs (versions, aliases): that one function only.',
    });
  }
}
