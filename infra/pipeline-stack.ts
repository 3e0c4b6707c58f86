import { Annotations, Aws, CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PipelineHttpApi } from './constructs/http-api';
import { LeadTable } from './constructs/lead-table';
import { LeadWorkflow } from './constructs/lead-workflow';
import { Mail } from './constructs/mail';
import { DigestSchedule } from './constructs/digest-schedule';
import { Monitoring } from './constructs/monitoring';
import { FUNCTION_BASE_ENVIRONMENT, PipelineFunction } from './constructs/pipeline-function';
import { senderAddress } from '#lib/aws/settings';
import { aslValues, type AslFunctionPlaceholder } from './asl-substitutions';
import { FUNCTION_NAMES, FUNCTIONS, checkEnvironmentSizes, functionEnvironment, pascalCase, type FunctionName, type PipelineResources } from './function-table';
import { MAX_EXECUTION_SECONDS, placeholderAddressSettings, resolveSettings, worstCaseExecutionSeconds, type PipelineSettings } from './settings';

export interface PipelineStackProps extends StackProps {
  /**
   * Settings (team addresses, sender, SLAs, ...). A setting not given here is
   * read from CDK context under the same key (`-c maxCheckIns=6`, or cdk.json
   * "context"), else its default: see SETTINGS in functions/lib/aws/settings.ts.
   * @default {} (context, then defaults)
   */
  readonly settings?: Partial<PipelineSettings>;
  /** Directory of the Lambda entry files. @default `<projectRoot>/functions` */
  readonly functionsDir?: string;
  /** Root holding package-lock.json and node_modules (the entries must be under it). @default the repository root */
  readonly projectRoot?: string;
  /**
   * Removal policy of the table (RETAIN also turns deletion protection on).
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
}

/**
 * The Model pipeline: one table, seventeen functions, the domain events' bus, the lead lifecycle
 * state machine, the HTTP API, SES sending, the reminder and digest
 * schedules, alarms and a dashboard.
 */
export class PipelineStack extends Stack {
  public readonly settings: PipelineSettings;
  public readonly table: LeadTable;
  public readonly functions: Readonly<Record<FunctionName, PipelineFunction>>;
  public readonly workflow: LeadWorkflow;
  public readonly http: PipelineHttpApi;
  public readonly mail: Mail;
  public readonly monitoring: Monitoring;
  public readonly reminderSchedule: events.Rule;
  public readonly digestSchedule: DigestSchedule;
  /** The custom bus of the domain events (functions/lib/events/, docs/events.md): a CRM follows the pipeline with a rule on it. */
  public readonly eventBus: events.EventBus;

  constructor(scope: Construct, id: string, props: PipelineStackProps = {}) {
    super(scope, id, props);
    const settings = resolveSettings(props.settings, (key): unknown => this.node.tryGetContext(key));
    this.settings = settings;
    // Lambda refuses an environment over 4 KB (keys and values): fail here,
    // naming the setting, not in the deploy.
    checkEnvironmentSizes(settings, FUNCTION_BASE_ENVIRONMENT);
    // Validated against CloudWatch Logs' allowed values in resolveSettings.
    const logRetention = settings.logRetentionDays as logs.RetentionDays;

    this.table = new LeadTable(this, 'Leads', { removalPolicy: props.tableRemovalPolicy });
    this.eventBus = new events.EventBus(this, 'DomainEvents', {
      description: 'Domain events of The Model pipeline (LeadCaptured, StageChanged, DealWon, ...): ids and codes, no personal data by default',
    });
    this.mail = new Mail(this, 'Mail', {
      identity: settings.mailIdentity,
      fromAddress: senderAddress(settings.mailFrom),
      createIdentity: settings.createMailIdentity,
      sandbox: settings.sesSandbox,
    });

    // Dead-letter queue of the scheduled functions (remind-pending and
    // send-digest, their only asynchronous invocations): events EventBridge
    // could not deliver and invocations that failed after Lambda's retries.
    // The next sweep picks up what is still due; a digest can be re-sent
    // with the period's scheduledTime.
    const reminderDlq = new sqs.Queue(this, 'RemindPendingDlq', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(reminderDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is itself a dead-letter queue (of remind-pending and send-digest, and of their schedules' targets); cdk-nag only recognizes queues named in a RedrivePolicy.",
    });
    Validations.of(reminderDlq).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue: a redrive policy would only move failed events to yet another queue.',
    });
    const functions = {} as Record<FunctionName, PipelineFunction>;
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      functions[name] = new PipelineFunction(this, pascalCase(name), {
        name,
        description: spec.description,
        functionsDir: props.functionsDir,
        projectRoot: props.projectRoot,
        timeout: Duration.seconds(spec.timeoutSeconds),
        logRetention,
        deadLetterQueue: spec.trigger === 'schedule' ? reminderDlq : undefined,
      });
    }
    this.functions = functions;

    const invoked: Partial<Record<AslFunctionPlaceholder, PipelineFunction>> = {};
    for (const name of FUNCTION_NAMES) {
      const placeholder = FUNCTIONS[name].aslPlaceholder;
      if (placeholder !== undefined) invoked[placeholder] = functions[name];
    }
    this.workflow = new LeadWorkflow(this, 'Workflow', {
      functions: Object.fromEntries(Object.entries(invoked).map(([p, f]) => [p, f.function])),
      values: aslValues(settings, Aws.PARTITION),
      logRetention,
    });

    this.http = new PipelineHttpApi(this, 'Http', {
      captureLead: functions['capture-lead'].function,
      funnel: functions.funnel.function,
      goal: functions.goal.function,
      teams: functions.teams.function,
      deleteLead: functions['delete-lead'].function,
      leadWebhook: functions['lead-webhook'].function,
      feedbackPage: functions['feedback-page'].function,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      logRetention,
    });

    // PUBLIC_BASE_URL (feedback links). A custom domain from the settings
    // wins (`-c publicBaseUrl=https://...`, mapped to the API outside this
    // stack). Otherwise the API's own endpoint `https://<id>.execute-api...`
    // (Fn::GetAtt Api.ApiEndpoint): the AWS::ApiGatewayV2::Api resource
    // depends on nothing, while routes, integrations and the
    // stage depend on it and on the functions. So request-feedback and
    // remind-pending (and any API integration) can reference it without a
    // cycle; the `$default` stage adds no path. STATE_MACHINE_ARN likewise
    // comes from the state machine's fixed name, not its Ref (see
    // LeadWorkflow): open-expansion is both invoked by it and starting it.
    const resources: PipelineResources = {
      tableName: this.table.table.tableName,
      stateMachineArn: this.workflow.stateMachineArn,
      publicBaseUrl: settings.publicBaseUrl ?? this.http.endpoint,
      apiKeySecretId: this.http.apiKey.secretArn,
      webhookSecretId: this.http.webhookSecret.secretArn,
      eventBusName: this.eventBus.eventBusName,
    };

    // Least privilege, from each function's spec (infra/function-table.ts).
    for (const name of FUNCTION_NAMES) {
      const spec = FUNCTIONS[name];
      const fn = functions[name];
      for (const [key, value] of Object.entries(functionEnvironment(name, settings, resources))) {
        fn.function.addEnvironment(key, value);
      }
      this.table.grant(fn.role, spec.table);
      if (spec.sendsMail) this.mail.grantSend(fn.role);
      if (spec.startsExecutions) this.workflow.grantStartExecution(fn.role);
      if (spec.answersTasks) this.workflow.grantTaskSuccess(fn.role);
      if (spec.checksTasks) this.workflow.grantTaskHeartbeat(fn.role);
      if (spec.stopsExecutions === true) {
        this.workflow.grantStopExecution(fn.role);
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.workflow.stateMachineName}:*]`,
          reason: "Erasure stops the execution of the lead named in the request: execution ARNs are <state machine>:<lead id>, so the grant is states:StopExecution on this state machine's executions only.",
        });
      }
      if (spec.readsApiKey) this.http.grantReadApiKey(fn.role);
      if (spec.readsWebhookSecret) this.http.grantReadWebhookSecret(fn.role);
      // events:PutEvents on this bus only (its ARN, no wildcard).
      if (spec.publishesEvents) this.eventBus.grantPutEventsTo(fn.role);
    }

    // The roster's seed: the teams setting, handed to the teams function once
    // per deploy as this custom resource's properties (not an environment
    // variable: 1,000 members a team would not fit). It seeds only teams not
    // yet in the table, so after the first deploy the table is the truth.
    const seed = new CustomResource(this, 'RosterSeed', {
      serviceToken: functions.teams.function.functionArn,
      resourceType: 'Custom::RosterSeed',
      properties: { Teams: JSON.stringify(settings.teams) },
    });
    seed.node.addDependency(this.table, functions.teams.role); // its grants (the role's policies) before it runs

    // Reminders: a sweep every 15 minutes outside the executions (no
    // reminder loop inside them, which would cost transitions and history).
    this.reminderSchedule = new events.Rule(this, 'RemindPendingSchedule', {
      description: 'Runs remind-pending every 15 minutes',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(functions['remind-pending'].function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(15),
          deadLetterQueue: reminderDlq,
        }),
      ],
    });

    // Each team's digest: an EventBridge Scheduler schedule (cron in a time
    // zone, digestSchedule / digestTimezone), failures to the same queue.
    this.digestSchedule = new DigestSchedule(this, 'DigestSchedule', {
      function: functions['send-digest'].function,
      expression: settings.digestSchedule,
      timezone: settings.digestTimezone,
      deadLetterQueue: reminderDlq,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine: this.workflow.stateMachine,
      functions: Object.fromEntries(FUNCTION_NAMES.map((name) => [name, functions[name].function])),
      api: this.http.api,
      deadLetterQueues: [reminderDlq],
      alarmEmail: settings.alarmEmail,
    });

    const worstCase = worstCaseExecutionSeconds(settings);
    if (worstCase > MAX_EXECUTION_SECONDS) {
      Annotations.of(this).addWarningV2(
        'the-model:execution-length',
        `With these SLAs and check-ins a lead execution may run ${Math.ceil(worstCase / 86_400)} days, over the one-year limit of Standard executions.`,
      );
    }

    // The defaults are example.com placeholders, so a first synth works; a
    // deploy with them mails nowhere. Synth warns (and the stack says so in
    // an output); `npm run preflight` refuses them.
    const placeholders = placeholderAddressSettings(settings);
    if (placeholders.length > 0) {
      const keys = placeholders.join(', ');
      Annotations.of(this).addWarningV2(
        'the-model:example-addresses',
        `Settings ${keys} hold placeholder addresses (example.com and the like): the pipeline would mail nobody. Give real ones (-c mailFrom=... -c teams='{...}'), see docs/configuration.md; npm run preflight refuses these.`,
      );
      new CfnOutput(this, 'PlaceholderAddresses', {
        value: keys,
        description: 'Settings still holding placeholder addresses (example.com): no email reaches anyone until they are set and the stack deployed again',
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: resources.publicBaseUrl, description: 'Base URL of the HTTP API (POST /leads, GET /funnel, feedback links)' });
    new CfnOutput(this, 'ApiKeySecretArn', { value: this.http.apiKey.secretArn, description: 'Secret holding the bearer key of POST /leads and GET /funnel' });
    new CfnOutput(this, 'WebhookSecretArn', { value: this.http.webhookSecret.secretArn, description: 'Secret holding the shared secret that signs POST /webhooks/leads (HMAC-SHA256)' });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName, description: 'The bus of the domain events (docs/events.md)' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachineArn });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}

