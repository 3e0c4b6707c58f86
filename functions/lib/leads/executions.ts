/**
 * Starting the one execution of a lead: name = lead id, input `{ leadId }`
 * (personal data stays in DynamoDB, not in execution history).
 *
 * Idempotent: Step Functions refuses a second execution with the same name
 * (ExecutionAlreadyExists) for 90 days after the first closes, and returns
 * the running one for an identical request; both mean "this lead's
 * execution exists", which is success here.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from '#lib/aws/clients';
import { ENV, requireEnv } from '#lib/aws/config';
import type { LeadExecutionInput } from '#lib/core/contracts';
import { asTransient, errorName } from '#lib/core/errors';

let cachedArn: string | undefined;
/** STATE_MACHINE_ARN; throws naming the variable when missing. */
export function stateMachineArn(): string {
  cachedArn ??= requireEnv(ENV.stateMachineArn);
  return cachedArn;
}

/** The ARN an execution named `name` of `machineArn` has (or would have). */
export function executionArnFor(machineArn: string, name: string): string {
  const parts = machineArn.split(':');
  // arn:aws:states:<region>:<account>:stateMachine:<name>
  if (parts.length < 7 || parts[5] !== 'stateMachine') throw new Error('STATE_MACHINE_ARN is not a state machine ARN');
  parts[5] = 'execution';
  return [...parts.slice(0, 7), name].join(':');
}

interface StartResult {
  executionArn: string;
  /** true only when this call started it. */
  started: boolean;
}

/**
 * Starts the lead's execution. With `startIfMissing: false` nothing is
 * called and the (deterministic) ARN is returned.
 */
export async function startLeadExecution(leadId: string, options: { startIfMissing?: boolean } = {}): Promise<StartResult> {
  const machine = stateMachineArn();
  if (options.startIfMissing === false) return { executionArn: executionArnFor(machine, leadId), started: false };
  const input: LeadExecutionInput = { leadId };
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: leadId, input: JSON.stringify(input) }));
    return { executionArn: out.executionArn ?? executionArnFor(machine, leadId), started: true };
  } catch (error) {
    if (errorName(error) === 'ExecutionAlreadyExists') {
      return { executionArn: executionArnFor(machine, leadId), started: false };
    }
    throw asTransient(error, 'StartExecution');
  }
}
