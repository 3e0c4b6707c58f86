import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface PipelineHttpApiProps {
  /** POST /leads (checks the bearer key itself: 401). */
  readonly captureLead: lambda.IFunction;
  /** GET /funnel (checks the bearer key itself: 401). */
  readonly funnel: lambda.IFunction;
  /** PUT|GET /goal (checks the bearer key itself: 401). */
  readonly goal: lambda.IFunction;
  /** DELETE /leads/{id} (checks the bearer key itself: 401). */
  readonly deleteLead: lambda.IFunction;
  /** GET /teams, PUT|DELETE /teams/{team}/members/{email}, PUT /teams/{team}/lead/{email} (checks the bearer key itself: 401). */
  readonly teams: lambda.IFunction;
  /** POST /webhooks/leads (checks the HMAC signature itself: 401). */
  readonly leadWebhook: lambda.IFunction;
  /** GET|POST /feedback/{id} (public: the link id is the capability). */
  readonly feedbackPage: lambda.IFunction;
  /** Default stage steady-state rate limit (requests per second). @default 20 */
  readonly rateLimit?: number;
  /** Default stage burst limit. @default 40 */
  readonly burstLimit?: number;
  /** Retention of the access log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Access log fields. `routeKey` (e.g. `GET /feedback/{id}`), never `path`:
 * the path of a feedback link holds its link id, a capability that must not
 * reach the logs. No headers either (the bearer key).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

/** The roster's routes, all to the teams function (one integration). */
function teamRoutes(api: apigw.HttpApi, fn: lambda.IFunction): apigw.HttpRoute[] {
  const integration = new HttpLambdaIntegration('Teams', fn);
  return [
    ...api.addRoutes({ path: '/teams', methods: [apigw.HttpMethod.GET], integration }),
    ...api.addRoutes({ path: '/teams/{team}/members/{email}', methods: [apigw.HttpMethod.PUT, apigw.HttpMethod.DELETE], integration }),
    ...api.addRoutes({ path: '/teams/{team}/lead/{email}', methods: [apigw.HttpMethod.PUT], integration }),
  ];
}

/**
 * The HTTP API: `POST /leads`, `DELETE /leads/{id}`, `GET /funnel` and `PUT|GET /goal`, whose
 * functions check the bearer key first (functions/lib/aws/api-key.ts: 401 with
 * `WWW-Authenticate: Bearer` for a missing, malformed or wrong key; an HTTP
 * API Lambda authorizer could only answer 403 to a wrong key, and would cost
 * an invocation per request); `POST /webhooks/leads`, whose function checks
 * an HMAC-SHA256 signature under the webhook secret instead (form tools that
 * cannot send a bearer key); public `GET|HEAD|POST /feedback/{id}`; one
 * `$default` stage with throttling and JSON access logs.
 *
 * The bearer key and the webhook secret are generated secrets; only the keyed
 * routes' functions may read the key, only the webhook's function the webhook
 * secret (the stack grants that). Read them with `aws secretsmanager
 * get-secret-value --secret-id <ApiKeySecretArn or WebhookSecretArn output>`.
 */
export class PipelineHttpApi extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly apiKey: secretsmanager.Secret;
  /** The shared secret form tools sign POST /webhooks/leads with (HMAC-SHA256). */
  public readonly webhookSecret: secretsmanager.Secret;
  public readonly accessLogs: logs.LogGroup;
  /** `https://<api id>.execute-api.<region>.<suffix>` (no trailing slash; the `$default` stage has no path). */
  public readonly endpoint: string;

  constructor(scope: Construct, id: string, props: PipelineHttpApiProps) {
    super(scope, id);

    this.apiKey = new secretsmanager.Secret(this, 'ApiKey', {
      description: 'Bearer key of POST /leads, DELETE /leads/{id}, GET /funnel and PUT|GET /goal (Authorization: Bearer <key>)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.webhookSecret = new secretsmanager.Secret(this, 'WebhookSecret', {
      description: 'Shared secret of POST /webhooks/leads: X-Signature is sha256=HMAC-SHA256(secret, "<X-Signature-Timestamp>.<body>") in hex',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'The Model pipeline: lead capture, feedback links, funnel',
      createDefaultStage: false,
    });
    this.endpoint = this.api.apiEndpoint;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 20, burstLimit: props.burstLimit ?? 40 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const keyRoutes = [
      ...this.api.addRoutes({
        path: '/leads',
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration('CaptureLead', props.captureLead),
      }),
      ...this.api.addRoutes({
        path: '/leads/{id}',
        methods: [apigw.HttpMethod.DELETE],
        integration: new HttpLambdaIntegration('DeleteLead', props.deleteLead),
      }),
      ...this.api.addRoutes({
        path: '/webhooks/leads',
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration('LeadWebhook', props.leadWebhook),
      }),
      ...this.api.addRoutes({
        path: '/funnel',
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Funnel', props.funnel),
      }),
      ...this.api.addRoutes({
        path: '/goal',
        methods: [apigw.HttpMethod.GET, apigw.HttpMethod.PUT],
        integration: new HttpLambdaIntegration('Goal', props.goal),
      }),
      ...teamRoutes(this.api, props.teams),
    ];
    const feedbackRoutes = this.api.addRoutes({
      path: '/feedback/{id}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.HEAD, apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('FeedbackPage', props.feedbackPage),
    });

    for (const route of keyRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "The function behind this route authorizes every request first: a bearer key from Secrets Manager (functions/lib/aws/api-key.ts, requireApiKey), or for POST /webhooks/leads an HMAC-SHA256 signature under a shared secret from Secrets Manager, fresh and not replayed (functions/lib/aws/webhook-signature.ts); compared in constant time, 401 before any other work. An HTTP API Lambda authorizer cannot answer 401 (only 403) and costs an extra invocation per request; the stage is throttled.",
      });
    }
    for (const route of feedbackRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Feedback links are capability URLs emailed to team members, who never log in (design.md): the unguessable link id (>= 128 random bits, stored only as its SHA-256) is the authorization, checked by feedback-page; the stage is throttled.',
      });
    }
    Validations.of(this.apiKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The bearer key is shared with the systems that post leads; rotating it needs their coordination, so ops rotate it by hand (put-secret-value). The functions cache it for at most 5 minutes.',
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook secret is configured in the form tools that sign their posts; rotating it needs their coordination, so ops rotate it by hand (put-secret-value). The function caches it for at most 5 minutes.',
    });
  }

  /**
   * secretsmanager:GetSecretValue on the bearer key, all the keyed functions
   * call (Secret.grantRead would add DescribeSecret, which none calls). The
   * secret uses the account's default aws/secretsmanager key: no KMS grant.
   */
  grantReadApiKey(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.apiKey.secretArn] });
  }

  /** secretsmanager:GetSecretValue on the webhook secret (the lead-webhook function's only secret). */
  grantReadWebhookSecret(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [this.webhookSecret.secretArn] });
  }
}
