import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../paths';

/** The runtime of every function (Node.js 22 or newer; the newest the CDK knows). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * ESM bundles have no `require`; a few CommonJS dependencies call it for
 * Node built-ins. The banner gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __pipelineCreateRequire } from 'node:module';const require = __pipelineCreateRequire(import.meta.url);";

/**
 * The parts of the AWS SDK's default credential chain that it imports lazily
 * (`await import(...)` in `@aws-sdk/credential-provider-node`), only when the
 * environment holds no credentials: profiles and SSO, credential processes,
 * web identity tokens, container credentials. On Lambda the credentials are
 * always in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), so these never load there; left external, the import
 * stays an import (of the runtime's copy) instead of about 120 KB in every
 * bundle. Locally they resolve to node_modules.
 */
export const LAZY_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
] as const;

/**
 * How every function is bundled (esbuild through NodejsFunction); bench/coldstart.ts
 * builds with the same options. ESM for node24 (FUNCTION_RUNTIME), minified,
 * source maps without sources; `module` before `main`, so esbuild reads the
 * ES module builds of the AWS SDK and keeps only the clients and commands
 * used (`functions/lib/aws/clients.ts` marks its clients pure).
 *
 * The AWS SDK v3 is bundled: what runs on Lambda is the version package-lock
 * pins and the tests run, and one bundled file initialises faster than the
 * runtime's copy loaded file by file (docs/performance.md, section 2). Only
 * LAZY_CREDENTIAL_PROVIDERS stay external.
 */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  externalModules: [...LAZY_CREDENTIAL_PROVIDERS],
} as const satisfies BundlingOptions;

/** Environment of every function, before its own (source maps on for stack traces, Powertools' log settings). */
export const FUNCTION_BASE_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_LOGGER_LOG_EVENT: 'false',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
};

export interface PipelineFunctionProps {
  /** The entry file's name: `functions/<name>.ts`, exporting `handler`. */
  readonly name: string;
  /** What the function does (the Lambda description). */
  readonly description: string;
  /** Environment variables (the construct adds NODE_OPTIONS and Powertools' log settings). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Directory of the entry files. @default `<projectRoot>/functions` */
  readonly functionsDir?: string;
  /** Root holding package-lock.json and node_modules; entries must be under it. @default the repository root */
  readonly projectRoot?: string;
  /** Memory in MB. @default 512 (arm64 cold starts are quick from 512 MB up) */
  readonly memorySize?: number;
  /** Timeout. @default Duration.seconds(15) */
  readonly timeout?: Duration;
  /** Retention of the function's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Dead-letter queue for asynchronous invocations (events that still fail
   * after Lambda's retries). Required for asynchronously invoked functions;
   * without it the function is taken to be invoked synchronously only.
   * @default none (synchronous invocations only)
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One Lambda of the pipeline with the defaults fixed in one place: Node.js
 * 24 on arm64, X-Ray tracing, its own log group with retention, a minified
 * ESM bundle with source maps (`--enable-source-maps`), Powertools settings,
 * and an execution role that may write only to its own log group (no
 * AWSLambdaBasicExecutionRole managed policy).
 */
export class PipelineFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const functionsDir = props.functionsDir ?? path.join(projectRoot, 'functions');

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(functionsDir, `${props.name}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(15),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      deadLetterQueue: props.deadLetterQueue,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      environment: {
        ...FUNCTION_BASE_ENVIRONMENT,
        ...props.environment,
      },
      bundling: {
        ...FUNCTION_BUNDLING,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        externalModules: [...FUNCTION_BUNDLING.externalModules],
      },
    });

    if (props.deadLetterQueue === undefined) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously only (API Gateway, Step Functions request-response or waitForTaskToken tasks): errors return to the caller, which retries (the state machine\'s Retry) or reports them; a DLQ applies to asynchronous invocations only.',
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (Tracing.ACTIVE) adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Resource "*").',
    });
  }

  /** The function's ARN. */
  get functionArn(): string {
    return this.function.functionArn;
  }
}
