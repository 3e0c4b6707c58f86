import { Aws, Fn, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ASL_FILE } from '../paths';

export interface LeadWorkflowProps {
  /** The functions the definition invokes, by the ASL placeholder naming their ARN. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The other `${Placeholders}` (numbers as strings, the partition). */
  readonly values: Readonly<Record<string, string>>;
  /** The ASL file. @default statemachines/lead-lifecycle.asl.json */
  readonly definitionFile?: string;
  /** Execution log level (execution data is never logged). @default sfn.LogLevel.ALL (every state transition, without data: AwsSolutions-SF1) */
  readonly logLevel?: sfn.LogLevel;
  /** Retention of the execution log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The lead lifecycle: a Standard state machine from the one ASL file
 * (`DefinitionBody.fromFile` + `definitionSubstitutions`), logging to a
 * `/aws/vendedlogs/states/...` group without execution data (no personal
 * data or task tokens in logs), X-Ray tracing, and invoke permission on
 * exactly the functions it calls.
 *
 * The log group is kept when the stack is deleted or rolled back (RETAIN),
 * so its name ends with the stack's id (`<name>-<stack UUID>`, a new one
 * for every stack created): the next create of the stack after a rollback
 * or a destroy makes a new group instead of failing on the kept one.
 *
 * The name is fixed at synthesis (unique per stack and construct path,
 * `Names.uniqueResourceName`), so `stateMachineArn` is known without a
 * reference to the resource: open-expansion is invoked BY the state machine
 * and starts executions OF it, and a Ref would make a dependency cycle.
 */
export class LeadWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineName: string;
  /** Built from the name (no Ref): safe to hand to functions the state machine invokes. */
  public readonly stateMachineArn: string;
  public readonly logGroup: logs.LogGroup;
  /** The state machine referenced by its name-built ARN (for grants to functions it invokes). */
  private readonly byName: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: LeadWorkflowProps) {
    super(scope, id);
    this.stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    this.stateMachineArn = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:stateMachine:${this.stateMachineName}`;

    this.byName = sfn.StateMachine.fromStateMachineArn(this, 'ByName', this.stateMachineArn);

    // arn:<partition>:cloudformation:<region>:<account>:stack/<stack name>/<stack UUID>
    const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Vended logs (the prefix keeps CloudWatch Logs' resource policy small).
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}-${stackUuid}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const functionArns: Record<string, string> = {};
    for (const [placeholder, fn] of Object.entries(props.functions)) {
      functionArns[placeholder] = fn.functionArn;
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(props.definitionFile ?? ASL_FILE),
      definitionSubstitutions: { ...functionArns, ...props.values },
      logs: {
        destination: this.logGroup,
        level: props.logLevel ?? sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });

    // The definition comes from a file, so CDK cannot derive the invoke
    // permissions: grant exactly the functions named (unqualified ARNs, as
    // the definition calls them; no `:*` version wildcard).
    const invokedArns = Object.values(props.functions).map((fn) => fn.functionArn);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: invokedArns }),
    );

    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for logging and tracing: the CloudWatch Logs delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) and X-Ray (xray:PutTraceSegments, ...) support no resource-level permissions.',
    });
  }

  /** states:StartExecution on this state machine (by its name-built ARN, so it works for functions it invokes too). */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.byName.grantStartExecution(grantee);
  }

  /** states:StopExecution on this state machine's executions (lead erasure). */
  grantStopExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['states:StopExecution'], resourceArns: [this.executionArnPattern] });
  }

  /** The ARNs of this state machine's executions (pseudo parameters, so the form is the same in every environment). */
  get executionArnPattern(): string {
    return `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${this.stateMachineName}:*`;
  }

  /**
   * states:SendTaskSuccess on this state machine: for whoever completes
   * wait-for-feedback tasks; and states:SendTaskHeartbeat, by which the
   * feedback page asks whether a task still waits before it shows the form
   * (the waits have no HeartbeatSeconds, so a heartbeat changes nothing).
   * No function fails a task: a task ends by its answer or its timeout.
   */
  grantTaskSuccess(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['states:SendTaskSuccess', 'states:SendTaskHeartbeat'], resourceArns: [this.stateMachine.stateMachineArn] });
  }

  /** Asking whether a task still waits, without answering it (reassignment). */
  grantTaskHeartbeat(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['states:SendTaskHeartbeat'], resourceArns: [this.stateMachine.stateMachineArn] });
  }
}
