/**
 * The `${Placeholders}` of statemachines/lead-lifecycle.asl.json and their
 * values: the function ARNs (CDK tokens, or local ARNs) and the numbers of
 * the settings (SLAs, check-ins, reschedules). Plain module (no CDK import)
 * shared by the stack (infra/) and the local dev server (local/).
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
  'CheckInIntervalSeconds',
  'MaxCheckIns',
  'MaxReschedules',
] as const;
export type AslNumberPlaceholder = (typeof ASL_NUMBER_PLACEHOLDERS)[number];

export function aslNumbers(s: PipelineSettings): Record<AslNumberPlaceholder, string> {
  return {
    QualificationCallSlaSeconds: String(s.qualificationCallSlaSeconds),
    MeetingOutcomeSlaSeconds: String(s.meetingOutcomeSlaSeconds),
    DealDecisionSlaSeconds: String(s.dealDecisionSlaSeconds),
    OnboardingReviewSlaSeconds: String(s.onboardingReviewSlaSeconds),
    CheckInSlaSeconds: String(s.checkInSlaSeconds),
    CheckInIntervalSeconds: String(s.checkInIntervalSeconds),
    MaxCheckIns: String(s.maxCheckIns),
    MaxReschedules: String(s.maxReschedules),
  };
}

/** Every `${Placeholder}` of the ASL with its value (function ARNs as given: CDK tokens or local ARNs). */
export function aslSubstitutions(
  s: PipelineSettings,
  functionArns: Readonly<Record<AslFunctionPlaceholder, string>>,
): Record<AslFunctionPlaceholder | AslNumberPlaceholder, string> {
  return { ...functionArns, ...aslNumbers(s) };
}

/** Replaces `${Name}` in an ASL text (what CloudFormation does with DefinitionSubstitutions); unknown names throw. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No substitution for \${${name}}`);
    return value;
  });
}
