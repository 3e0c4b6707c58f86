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
import { FUNNEL_DIMENSION, FUNNEL_METRIC, HEADLINE_STAGES, RESCUE_METRIC, MAIN_PATH, feedbackPairs, teamPairDimension } from '#lib/funnel/metrics';

import { POWERTOOLS_ENVIRONMENT, pascalCase } from '../function-table';

export interface FunnelMetric {
  readonly metricName: string;
  readonly label: string;
  /** Dimensions besides `service` (Powertools adds `service` to every metric). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** The headline funnel on the dashboard: GET /funnel's headline figures, from StageEntered{Stage} (functions/lib/funnel/report.ts HEADLINE_STAGES). */
export const FUNNEL_METRICS: readonly FunnelMetric[] = [
  ...Object.entries(HEADLINE_STAGES).map(([step, stage]) => ({
    metricName: FUNNEL_METRIC.stageEntered,
    label: step.charAt(0).toUpperCase() + step.slice(1),
    dimensions: { [FUNNEL_DIMENSION.stage]: stage },
  })),
  { metricName: 'ExpansionsOpened', label: 'Expanded' },
];
/** Revenue of won deals, one series per `currency` dimension value. */
export const REVENUE_METRIC = { metricName: FUNNEL_METRIC.revenueWon, label: 'Revenue won', dimension: FUNNEL_DIMENSION.currency } as const;

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
 * Alarms to an SNS topic for ops (leads waiting for ops' rescue decision,
 * timed-out and throttled executions; Lambda errors; API 5xx) and a dashboard of the funnel from the
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
    const failed = sm.metricFailed({ period, statistic: 'Sum', label: 'Failed (closed by a rescue decision)' });
    const timedOut = sm.metricTimedOut({ period, statistic: 'Sum' });
    const throttled = sm.metricThrottled({ period, statistic: 'Sum' });
    // A failed step no longer ends the execution: the lead waits for ops' rescue decision (request-feedback emits
    // LeadsAwaitingRescue, kind failed; a stalled lead's rescue goes to its team lead, kind stalled, on the dashboard).
    // A FAILED execution is a lead someone closed: shown on the dashboard, not an alarm.
    const namespace = POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE;
    const service = POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME;
    const awaitingRescue = (kind: 'failed' | 'stalled'): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace,
        metricName: RESCUE_METRIC.name,
        dimensionsMap: { service, [RESCUE_METRIC.kindDimension]: kind },
        statistic: 'Sum',
        period,
      });
    const awaitingOps = awaitingRescue('failed');
    const awaitingTeamLead = awaitingRescue('stalled');
    alarm('LeadsAwaitingOps', awaitingOps, 'Leads wait for ops in "Await rescue decision" (a step failed): answer the rescue email (retry / return / close) or open the execution.');
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

    const day = Duration.days(1);
    const metric = (metricName: string, dimensions: Readonly<Record<string, string>>, statistic: string, label: string, period: Duration = day): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service, ...dimensions }, statistic, label, period });
    const funnelMetric = (m: FunnelMetric): cloudwatch.Metric => metric(m.metricName, m.dimensions ?? {}, 'Sum', m.label);
    const entered = (stage: string): cloudwatch.Metric => metric(FUNNEL_METRIC.stageEntered, { [FUNNEL_DIMENSION.stage]: stage }, 'Sum', stage);
    // Revenue is emitted per currency: one series per currency found.
    const revenue = new cloudwatch.MathExpression({
      expression: `SEARCH('{${namespace},${REVENUE_METRIC.dimension},service} MetricName="${REVENUE_METRIC.metricName}" service="${service}"', 'Sum', 86400)`,
      label: REVENUE_METRIC.label,
      period: day,
    });
    // Conversion along the main path: entered(next) / entered(stage), per day.
    const conversion = MAIN_PATH.slice(0, -1).map(
      (stage, i) =>
        new cloudwatch.MathExpression({
          expression: `IF(s${i} > 0, 100 * s${i + 1} / s${i}, 0)`,
          usingMetrics: { [`s${i}`]: entered(stage), [`s${i + 1}`]: entered(MAIN_PATH[i + 1] ?? stage) },
          label: `${stage} -> ${MAIN_PATH[i + 1] ?? ''} (%)`,
          period: day,
        }),
    );
    // Median time in stage: p50 of TimeInStage (ms), shown in hours.
    const medianHours = MAIN_PATH.slice(0, -1).map(
      (stage, i) =>
        new cloudwatch.MathExpression({
          expression: `t${i} / 3600000`,
          usingMetrics: { [`t${i}`]: metric(FUNNEL_METRIC.timeInStage, { [FUNNEL_DIMENSION.stage]: stage }, 'p50', stage) },
          label: stage,
          period: day,
        }),
    );
    // Hand-off quality: the mean of every rating given along a team pair, per week.
    const ratings = feedbackPairs().map((p) =>
      metric(FUNNEL_METRIC.handoffRating, { [FUNNEL_DIMENSION.teamPair]: teamPairDimension(p.from, p.to) }, 'Average', `${p.from} -> ${p.to}`, Duration.days(7)),
    );
    const topReasons = (stage: string, label: string): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: `SORT(SEARCH('{${namespace},${FUNNEL_DIMENSION.reason},${FUNNEL_DIMENSION.stage},service} MetricName="${FUNNEL_METRIC.outcomeReason}" ${FUNNEL_DIMENSION.stage}="${stage}" service="${service}"', 'Sum', 86400), SUM, DESC, 5)`,
        label,
        period: day,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(30),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          "# The Model pipeline\nOne funnel for every team, from the functions' EMF metrics (namespace `TheModelPipeline`): the same figures as `GET /funnel` and the ops console. Executions and errors below.",
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
      new cloudwatch.GraphWidget({ title: 'Conversion per stage (%)', left: conversion, width: 8, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Revenue won per day (by currency)', left: [revenue], width: 8, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Median time in stage (hours)', left: medianHours, width: 8, height: 6 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Hand-off quality per team pair (mean rating 1-5, weekly)',
        left: ratings,
        leftYAxis: { min: 1, max: 5, showUnits: false },
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({ title: 'Top loss reasons', left: [topReasons('lost', 'Lost')], view: cloudwatch.GraphWidgetView.BAR, setPeriodToTimeRange: true, width: 8, height: 6 }),
      new cloudwatch.GraphWidget({ title: 'Top churn reasons', left: [topReasons('churned', 'Churned')], view: cloudwatch.GraphWidgetView.BAR, setPeriodToTimeRange: true, width: 8, height: 6 }),
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
        // Labelled on the dashboard only: an alarm on a labelled metric renders as a metric math query.
        right: [awaitingOps.with({ label: 'Awaiting ops (failed step)' }), awaitingTeamLead.with({ label: 'Awaiting team lead (stalled)' })],
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
