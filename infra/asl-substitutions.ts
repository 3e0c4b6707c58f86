/**
 * The `${Placeholders}` of statemachines/lead-lifecycle.asl.json and their
 * values: the function ARNs (CDK tokens, or local ARNs), the numbers of
 * the settings (SLAs, check-ins, reschedules) and the partition of the
 * service integration ARNs (`arn:${Partition}:states:::lambda:invoke`).
 * Plain module (no CDK import) shared by the stack (infra/) and the local
 * dev server (local/).
 */
import type { PipelineSettings } from './settings';

/** Placeholders of the ASL naming a Lambda function ARN. */
export const ASL_FUNCTION_PLACEHOLDERS = [
  'QualifyLeadFunctionArn',
  'RequestFeedbackFunctionArn',
  'ShareFeedbackFunctionArn',
  'ScheduleMeetingFunctionArn',
  'CloseDealFunctionArn',
  'OnboardCustomerFunctionArn',
  'OpenExpansionFunctionArn',
  'RecordOutcomeFunctionArn',
] as const;
export type AslFunctionPlaceholder = (typeof ASL_FUNCTION_PLACEHOLDERS)[number];

/** Placeholders of the ASL holding a number (substituted as a string, read with `$number('${...}')`). */
export const ASL_NUMBER_PLACEHOLDERS = [
  'QualificationCallSlaSeconds',
  'MeetingOutcomeSlaSeconds',
  'DealDecisionSlaSeconds',
  'OnboardingReviewSlaSeconds',
  'CheckInSlaSeconds',
  'RescueSlaSeconds',
  'CheckInIntervalSeconds',
  'MaxCheckIns',
  'MaxReschedules',
] as const;
type AslNumberPlaceholder = (typeof ASL_NUMBER_PLACEHOLDERS)[number];

export function aslNumbers(s: PipelineSettings): Record<AslNumberPlaceholder, string> {
  return {
    QualificationCallSlaSeconds: String(s.qualificationCallSlaSeconds),
    MeetingOutcomeSlaSeconds: String(s.meetingOutcomeSlaSeconds),
    DealDecisionSlaSeconds: String(s.dealDecisionSlaSeconds),
    OnboardingReviewSlaSeconds: String(s.onboardingReviewSlaSeconds),
    CheckInSlaSeconds: String(s.checkInSlaSeconds),
    RescueSlaSeconds: String(s.rescueSlaSeconds),
    CheckInIntervalSeconds: String(s.checkInIntervalSeconds),
    MaxCheckIns: String(s.maxCheckIns),
    MaxReschedules: String(s.maxReschedules),
  };
}

/**
 * The placeholder of the partition in the ASL's resource ARNs: the stack
 * gives the deploy-time partition (Aws.PARTITION: `aws`, `aws-cn`,
 * `aws-us-gov`, ...), the local engine `aws`.
 */
export const ASL_PARTITION_PLACEHOLDER = 'Partition';
type AslValuePlaceholder = AslNumberPlaceholder | typeof ASL_PARTITION_PLACEHOLDER;

/** Every placeholder but the function ARNs: the numbers of the settings and the partition. */
export function aslValues(s: PipelineSettings, partition: string): Record<AslValuePlaceholder, string> {
  return { ...aslNumbers(s), [ASL_PARTITION_PLACEHOLDER]: partition };
}

/**
 * Every `${Placeholder}` of the ASL with its value (function ARNs as given:
 * CDK tokens or local ARNs). The stack gives the deploy-time partition
 * (aslValues with Aws.PARTITION); the local engine and tests, `aws`.
 */
export function aslSubstitutions(
  s: PipelineSettings,
  functionArns: Readonly<Record<AslFunctionPlaceholder, string>>,
  partition = 'aws',
): Record<AslFunctionPlaceholder | AslValuePlaceholder, string> {
  return { ...functionArns, ...aslValues(s, partition) };
}

/** Replaces `${Name}` in an ASL text (what CloudFormation does with DefinitionSubstitutions); unknown names throw. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No substitution for \${${name}}`);
    return value;
  });
}
