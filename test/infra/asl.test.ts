/**
 * The state machine definition (statemachines/lead-lifecycle.asl.json) as
 * the stack deploys it: valid ASL, defensive Tasks, bounded waits, and a
 * short happy path (Standard workflows bill per state transition).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { ASL_FILE } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, ASL_NUMBER_PLACEHOLDERS, ASL_PARTITION_PLACEHOLDER, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../../infra/asl-substitutions';
import { resolveSettings } from '../../infra/settings';

const require = createRequire(import.meta.url);
interface ValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => ValidationResult;

interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Condition: string; Next: string; Assign?: Record<string, unknown> }[];
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimeoutSeconds?: unknown;
  HeartbeatSeconds?: unknown;
  Assign?: Record<string, unknown>;
  Arguments?: { FunctionName?: string; Payload?: Record<string, unknown> };
}
interface Definition {
  StartAt: string;
  QueryLanguage: string;
  States: Record<string, State>;
}

const FILE_TEXT = readFileSync(ASL_FILE, 'utf8');
const LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

function functionArns(): Record<AslFunctionPlaceholder, string> {
  const arns = {} as Record<AslFunctionPlaceholder, string>;
  for (const p of ASL_FUNCTION_PLACEHOLDERS) arns[p] = `arn:aws:lambda:eu-west-1:123456789012:function:${p.replace(/FunctionArn$/, '')}`;
  return arns;
}

/** The definition as deployed with the given settings overrides (in the `aws` partition unless given). */
function deployed(overrides: Parameters<typeof resolveSettings>[0] = {}, partition = 'aws'): Definition {
  return JSON.parse(substitute(FILE_TEXT, aslSubstitutions(resolveSettings(overrides), functionArns(), partition))) as Definition;
}

const fresh = (): Definition => JSON.parse(FILE_TEXT) as Definition;

describe('lead-lifecycle.asl.json', () => {
  it('passes asl-validator, as a file and as deployed in each partition (ARN and path checks on)', () => {
    // The file's resource ARNs hold ${Partition}: ARN checks apply once substituted.
    const raw = aslValidator(fresh(), { checkArn: false, checkPaths: true });
    expect(raw.errorsText('\n')).toBe('');
    expect(raw.isValid).toBe(true);
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov']) {
      const substituted = aslValidator(deployed({}, partition), { checkArn: true, checkPaths: true });
      expect(substituted.errorsText('\n'), partition).toBe('');
      expect(substituted.isValid, partition).toBe(true);
    }
  });

  it('names no partition itself: every resource ARN is arn:${Partition}:...', () => {
    expect(FILE_TEXT).not.toMatch(/arn:aws[:-]/);
    const resources = Object.values(fresh().States).flatMap((s) => (s.Resource === undefined ? [] : [s.Resource]));
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) expect(r).toMatch(/^arn:\$\{Partition\}:states:::/);
    const cn = Object.values(deployed({}, 'aws-cn').States).flatMap((s) => (s.Resource === undefined ? [] : [s.Resource]));
    for (const r of cn) expect(r).toMatch(/^arn:aws-cn:states:::lambda:invoke/);
  });

  it('asl-validator rejects a broken definition (the check can fail)', () => {
    const broken = fresh();
    const first = broken.States[broken.StartAt];
    if (first) first.Next = 'No such state';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('uses exactly the placeholders the stack substitutes', () => {
    const placeholders = new Set([...FILE_TEXT.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    expect(placeholders).toEqual(new Set([...ASL_FUNCTION_PLACEHOLDERS, ...ASL_NUMBER_PLACEHOLDERS, ASL_PARTITION_PLACEHOLDER]));
    expect(() => substitute('${Unknown}', {})).toThrow(/Unknown/);
  });

  it('is JSONata, without operators Step Functions lacks ($eval, ??, ?:)', () => {
    expect(fresh().QueryLanguage).toBe('JSONata');
    const expressions = [...FILE_TEXT.matchAll(/\{%(.*?)%\}/g)].map((m) => m[1] ?? '');
    expect(expressions.length).toBeGreaterThan(20);
    for (const e of expressions) {
      expect(e, e).not.toMatch(/\$eval\b|\?\?|\?:/);
      expect(() => jsonata(e), e).not.toThrow();
    }
  });

  it('gives every Task a Retry on Lambda service errors and a Catch-all to a named state', () => {
    const { States } = fresh();
    const tasks = Object.entries(States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(15);
    for (const [name, task] of tasks) {
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
      for (const error of LAMBDA_ERRORS) expect(retried, `${name} retries ${error}`).toContain(error);
      const catches = task.Catch ?? [];
      expect(catches.length, `${name} has a Catch`).toBeGreaterThan(0);
      expect(catches.some((c) => c.ErrorEquals.includes('States.ALL')), `${name} catches States.ALL`).toBe(true);
      for (const c of catches) expect(States[c.Next], `${name} catches to ${c.Next}`).toBeDefined();
    }
  });

  it('bounds every waitForTaskToken Task with TimeoutSeconds from the SLA settings, and routes its timeout', () => {
    const { States } = fresh();
    const waits = Object.entries(States).filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken'));
    expect(waits.map(([name]) => name).sort()).toEqual(
      ['Await deal decision', 'Await meeting outcome', 'Await onboarding review', 'Await qualification call', 'Check in with customer', 'Await rescue decision'].sort(),
    );
    // The meeting-outcome deadline counts from the booked meeting's end (Schedule meeting's $meetingEndsMs), at least the SLA.
    const meetingTimeout = "{% $max([$number('${MeetingOutcomeSlaSeconds}'), $ceil(($meetingEndsMs - $toMillis($states.context.State.EnteredTime)) / 1000) + $number('${MeetingOutcomeSlaSeconds}')]) %}";
    expect(States['Await meeting outcome']?.TimeoutSeconds).toBe(meetingTimeout);
    for (const [name, state] of waits.filter(([n]) => n !== 'Await meeting outcome')) expect(state.TimeoutSeconds, name).toMatch(/^\{% \$number\('\$\{\w+SlaSeconds\}'\) %\}$/);
    for (const [name, state] of waits) {
      expect(state.Catch?.[0]?.ErrorEquals, name).toEqual(['States.Timeout']);
      // The function learns the same timeout (the link expires with the task).
      expect(state.Arguments?.Payload?.['timeoutSeconds'], name).toBe(state.TimeoutSeconds);
    }
    // Substituted, the timeouts are the configured seconds.
    const speedToLead = deployed({ qualificationCallSlaSeconds: 7200 }).States['Await qualification call'];
    expect(speedToLead?.TimeoutSeconds).toBe("{% $number('7200') %}");
  });
});

/** Happy answers / Lambda results per Task, by state name. */
const HAPPY: Record<string, unknown> = {
  'Qualify lead': { Payload: { route: 'sales-ready', reason: 'score-above-threshold', score: 82, tier: 'A', owner: 'sdr1@example.com' } },
  'Await qualification call': { step: 'qualification-call', answer: 'book-meeting', comment: '', ratings: {}, details: {} },
  'Await meeting outcome': { step: 'meeting-outcome', answer: 'held-proceed', comment: '', ratings: {}, details: {} },
  'Await deal decision': { step: 'deal-decision', answer: 'won', comment: '', ratings: {}, details: { amount: 12000, currency: 'EUR' } },
  'Await onboarding review': { step: 'onboarding-review', answer: 'on-track', comment: '', ratings: {}, details: {} },
  'Check in with customer': { step: 'check-in', answer: 'healthy', comment: '', ratings: {}, details: {} },
};

/** Evaluates a JSONata `{% %}` string (or returns a literal) with the execution's variables. */
async function evaluate(value: unknown, variables: Record<string, unknown>, states: Record<string, unknown>): Promise<unknown> {
  if (typeof value !== 'string') return value;
  const m = /^\{%(.*)%\}$/s.exec(value);
  if (!m) return value;
  return jsonata(m[1] ?? '').evaluate({}, { ...variables, states });
}

async function assign(block: Record<string, unknown> | undefined, variables: Record<string, unknown>, states: Record<string, unknown>): Promise<void> {
  if (!block) return;
  // Assign evaluates every expression against the variables before any is set.
  const values: [string, unknown][] = [];
  for (const [key, expr] of Object.entries(block)) values.push([key, await evaluate(expr, variables, states)]);
  for (const [key, v] of values) variables[key] = v;
}

/** Walks the deployed definition following the happy answers; returns the states entered. */
async function happyPath(definition: Definition, limit = 100): Promise<string[]> {
  const variables: Record<string, unknown> = {};
  const path: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name !== undefined && path.length < limit) {
    path.push(name);
    const state: State | undefined = definition.States[name];
    if (state === undefined) throw new Error(`no state ${name}`);
    const context = { State: { Name: name }, Task: { Token: 'token' }, Execution: { Input: { leadId: 'lead-1' } } };
    const states = { input: { leadId: 'lead-1' }, context, result: HAPPY[name] ?? { Payload: {} } };
    switch (state.Type) {
      case 'Task':
      case 'Pass':
        await assign(state.Assign, variables, states);
        name = state.Next;
        break;
      case 'Wait':
        name = state.Next;
        break;
      case 'Choice': {
        let next = state.Default;
        for (const choice of state.Choices ?? []) {
          if ((await evaluate(choice.Condition, variables, states)) === true) {
            await assign(choice.Assign, variables, states);
            next = choice.Next;
            break;
          }
        }
        name = next;
        break;
      }
      case 'Succeed':
      case 'Fail':
        name = undefined;
        break;
      default:
        throw new Error(`unexpected state type ${state.Type}`);
    }
  }
  return path;
}

describe('happy path', () => {
  it('takes a lead to a renewed customer with one check-in in at most 25 state transitions', async () => {
    const path = await happyPath(deployed({ maxCheckIns: 1 }));
    expect(path[0]).toBe('Qualify lead');
    expect(path.at(-1)).toBe('Customer renewed');
    for (const step of ['Await qualification call', 'Await meeting outcome', 'Await deal decision', 'Close deal', 'Onboard customer', 'Check in with customer', 'Renew customer']) {
      expect(path).toContain(step);
    }
    expect(path.filter((s) => s === 'Check in with customer')).toHaveLength(1);
    expect(path.length).toBeLessThanOrEqual(25);
  });

  it('checks in maxCheckIns times before the renewal', async () => {
    const path = await happyPath(deployed({ maxCheckIns: 3 }));
    expect(path.filter((s) => s === 'Check in with customer')).toHaveLength(3);
    expect(path.at(-1)).toBe('Customer renewed');
  });
});
