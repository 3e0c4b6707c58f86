import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { POWERTOOLS_ENVIRONMENT, pascalCase } from '../settings';

export interface FunnelMetric {
  readonly metricName: string;
  readonly label: string;
  /** Dimensions besides `service` (Powertools adds `service` to every metric). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * The funnel metrics the functions emit with EMF (namespace
 * TheModelPipeline, dimension `service` = POWERTOOLS_SERVICE_NAME), with the
 * extra dimension some of them carry.
 */
export const FUNNEL_METRICS: readonly FunnelMetric[] = [
  { metricName: 'LeadCaptured', label: 'Leads captured' },
  { metricName: 'LeadsQualified', label: 'Qualified (sales-ready)', dimensions: { route: 'sales-ready' } },
  { metricName: 'MeetingsScheduled', label: 'Meetings scheduled' },
  { metricName: 'DealsWon', label: 'Deals won' },
  { metricName: 'CustomersOnboarded', label: 'Onboarded' },
  { metricName: 'LeadOutcome', label: 'Renewed', dimensions: { outcome: 'renewed' } },
  { metricName: 'LeadOutcome', label: 'Churned', dimensions: { outcome: 'churned' } },
  { metricName: 'FeedbackShared', label: 'Feedback shared' },
];
/** Revenue of won deals, one series per `currency` dimension value. */
export const REVENUE_METRIC = { metricName: 'RevenueWon', label: 'Revenue won', dimension: 'currency' } as const;

export interface MonitoringProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Functions whose errors raise an alarm, by a readable name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The HTTP API (5xx alarm, dashboard). */
  readonly api?: apigw.IHttpApi;
  /** Dead-letter queues: any message in them raises an alarm. @default [] */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /** Address subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alarms to an SNS topic for ops (failed, timed-out and throttled
 * executions; Lambda errors; API 5xx) and a dashboard of the funnel from the
 * functions' EMF metrics next to the state machine's own.
 */
export class Monitoring extends Construct {
  public readonly topic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    // CloudWatch alarms can publish to an encrypted topic only with a
    // customer managed key whose policy lets CloudWatch use it.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the ops alarm topic',
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'The Model pipeline alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const alarmAction = new actions.SnsAction(this.topic);

    const period = Duration.minutes(5);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(alarmAction);
      this.alarms.push(created);
      return created;
    };

    const sm = props.stateMachine;
    const failed = sm.metricFailed({ period, statistic: 'Sum' });
    const timedOut = sm.metricTimedOut({ period, statistic: 'Sum' });
    const throttled = sm.metricThrottled({ period, statistic: 'Sum' });
    alarm('ExecutionsFailed', failed, 'Lead executions failed (Needs attention, or stalled leads): see the Step Functions console.');
    alarm('ExecutionsTimedOut', timedOut, 'Lead executions timed out (the one-year limit of Standard executions).');
    alarm('ExecutionsThrottled', throttled, 'Step Functions throttled executions.');

    const errorMetrics: cloudwatch.IMetric[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period, statistic: 'Sum' });
      errorMetrics.push(errors);
      alarm(`${pascalCase(name)}Errors`, errors, `Lambda ${name} reported errors.`);
    }

    (props.deadLetterQueues ?? []).forEach((queue, i) => {
      alarm(
        `DeadLetters${i + 1}`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `Events failed for good and wait in dead-letter queue ${queue.queueName}.`,
      );
    });

    let apiErrors: cloudwatch.IMetric | undefined;
    if (props.api !== undefined) {
      apiErrors = props.api.metricServerError({ period, statistic: 'Sum' });
      alarm('Api5xx', apiErrors, 'The HTTP API answered with 5xx errors.');
    }

    const namespace = POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE;
    const service = POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME;
    const funnelMetric = (m: FunnelMetric): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace,
        metricName: m.metricName,
        dimensionsMap: { service, ...m.dimensions },
        statistic: 'Sum',
        label: m.label,
        period: Duration.days(1),
      });
    // Revenue is emitted per currency: one series per currency found.
    const revenue = new cloudwatch.MathExpression({
      expression: `SEARCH('{${namespace},${REVENUE_METRIC.dimension},service} MetricName="${REVENUE_METRIC.metricName}" service="${service}"', 'Sum', 86400)`,
      label: REVENUE_METRIC.label,
      period: Duration.days(1),
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# The Model pipeline\nFunnel per day from the functions\' metrics (namespace `TheModelPipeline`); executions and errors below.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Funnel (dashboard period)',
        metrics: FUNNEL_METRICS.map(funnelMetric),
        setPeriodToTimeRange: true,
        width: 24,
        height: 4,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Funnel per day',
        left: FUNNEL_METRICS.map(funnelMetric),
        width: 16,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Revenue won per day (by currency)',
        left: [revenue],
        width: 8,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions',
        left: [
          sm.metricStarted({ period, statistic: 'Sum', label: 'Started' }),
          sm.metricSucceeded({ period, statistic: 'Sum', label: 'Succeeded' }),
          failed,
          timedOut,
          throttled,
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors (Lambda, API 5xx)',
        left: apiErrors === undefined ? errorMetrics : [...errorMetrics, apiErrors],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
  }
}
