/**
 * Parses, validates and compiles an ASL definition (JSONata dialect) into a
 * tree of states with their JSONata expressions compiled once.
 * Validation errors name the state and the field.
 */
import { EngineError } from './api';
import { compileExpression, compileTemplate, isExpressionString, type CompiledExpression, type Template } from './jsonata-eval';

export type NumOrExpr = { n: number } | { e: CompiledExpression };
export type StrOrExpr = { s: string } | { e: CompiledExpression };

export interface Retrier {
  errorEquals: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds?: number;
  jitter: 'FULL' | 'NONE';
}

export interface Catcher {
  errorEquals: string[];
  next: string;
  output?: Template;
  assign?: Template;
}

interface Base {
  name: string;
  next?: string;
  end: boolean;
  output?: Template;
  assign?: Template;
}

export type ResourceKind =
  | { kind: 'lambdaInvoke'; waitForToken: boolean }
  | { kind: 'lambdaArn'; arn: string }
  | { kind: 'dynamodb'; action: 'getItem' | 'putItem' | 'updateItem' | 'deleteItem' };

export interface TaskState extends Base {
  type: 'Task';
  resource: string;
  res: ResourceKind;
  arguments?: Template;
  timeoutSeconds?: NumOrExpr;
  heartbeatSeconds?: NumOrExpr;
  retry: Retrier[];
  catch: Catcher[];
}
export interface PassState extends Base {
  type: 'Pass';
}
export interface ChoiceRule {
  /** A JSONata expression, or a literal boolean (AWS accepts `"Condition": true`). */
  condition: CompiledExpression | boolean;
  next: string;
  output?: Template;
  assign?: Template;
}
export interface ChoiceState extends Base {
  type: 'Choice';
  choices: ChoiceRule[];
  default?: string;
}
export interface WaitState extends Base {
  type: 'Wait';
  seconds?: NumOrExpr;
  timestamp?: StrOrExpr;
}
export interface SucceedState extends Base {
  type: 'Succeed';
}
export interface FailState extends Base {
  type: 'Fail';
  error?: StrOrExpr;
  cause?: StrOrExpr;
}
export interface ParallelState extends Base {
  type: 'Parallel';
  arguments?: Template;
  branches: Machine[];
  retry: Retrier[];
  catch: Catcher[];
}
export interface MapState extends Base {
  type: 'Map';
  items?: Template;
  itemSelector?: Template;
  processor: Machine;
  maxConcurrency?: NumOrExpr;
  retry: Retrier[];
  catch: Catcher[];
}

export type State = TaskState | PassState | ChoiceState | WaitState | SucceedState | FailState | ParallelState | MapState;

export interface Machine {
  startAt: string;
  states: Map<string, State>;
}

export interface CompiledDefinition {
  machine: Machine;
  timeoutSeconds?: number;
  /** Every state name, flattened, for consoles. */
  stateCount: number;
}

type Obj = Record<string, unknown>;

function invalid(message: string): never {
  throw new EngineError('InvalidDefinition', message);
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const COMMON = ['Type', 'Comment', 'QueryLanguage', 'Next', 'End', 'Output', 'Assign'];
const ALLOWED: Record<string, string[]> = {
  Task: [...COMMON, 'Resource', 'Arguments', 'TimeoutSeconds', 'HeartbeatSeconds', 'Retry', 'Catch', 'Credentials'],
  Pass: [...COMMON],
  Choice: ['Type', 'Comment', 'QueryLanguage', 'Choices', 'Default', 'Output', 'Assign'],
  Wait: [...COMMON, 'Seconds', 'Timestamp'],
  Succeed: ['Type', 'Comment', 'QueryLanguage', 'Output'],
  Fail: ['Type', 'Comment', 'QueryLanguage', 'Error', 'Cause'],
  Parallel: [...COMMON, 'Arguments', 'Branches', 'Retry', 'Catch'],
  Map: [
    ...COMMON,
    'Items',
    'ItemSelector',
    'ItemProcessor',
    'Iterator',
    'MaxConcurrency',
    'ToleratedFailurePercentage',
    'ToleratedFailureCount',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'Retry',
    'Catch',
    'Label',
  ],
};
const JSONPATH_ONLY = ['InputPath', 'OutputPath', 'Parameters', 'ResultSelector', 'ResultPath', 'Result', 'SecondsPath', 'TimestampPath', 'ErrorPath', 'CausePath', 'ItemsPath', 'MaxConcurrencyPath', 'TimeoutSecondsPath', 'HeartbeatSecondsPath'];

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

interface Ctx {
  path: string; // e.g. "" or "Map 'X' > "
  /** Variable names assigned in enclosing scopes (inner scopes may not assign them). */
  outerVars: Set<string>;
  /** The machine's default query language (states may override it). */
  language: 'JSONata' | 'JSONPath';
  /** State names seen so far in the whole definition (they must be unique). */
  names: Set<string>;
}

export function parseDefinition(definition: string): CompiledDefinition {
  let doc: unknown;
  try {
    doc = JSON.parse(definition);
  } catch (err) {
    invalid(`definition is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObj(doc)) invalid('definition must be a JSON object');
  if (doc.QueryLanguage !== undefined && doc.QueryLanguage !== 'JSONata' && doc.QueryLanguage !== 'JSONPath') {
    invalid(`top-level QueryLanguage must be "JSONata" or "JSONPath", found ${JSON.stringify(doc.QueryLanguage)}`);
  }
  let timeoutSeconds: number | undefined;
  if (doc.TimeoutSeconds !== undefined) {
    if (typeof doc.TimeoutSeconds !== 'number' || !Number.isInteger(doc.TimeoutSeconds) || doc.TimeoutSeconds <= 0) {
      invalid('top-level TimeoutSeconds must be a positive integer');
    }
    timeoutSeconds = doc.TimeoutSeconds;
  }
  const counter: Counter = { n: 0, jsonata: 0, plainJsonPath: [] };
  const machine = parseMachine(doc, { path: '', outerVars: new Set(), language: doc.QueryLanguage === 'JSONata' ? 'JSONata' : 'JSONPath', names: new Set() }, counter);
  // plain JSONPath states are run only inside a machine that uses JSONata (a mixed machine); a JSONPath machine is rejected
  if (counter.jsonata === 0 && counter.plainJsonPath.length > 0) {
    invalid(`${counter.plainJsonPath[0]}: QueryLanguage "JSONPath" (inherited) is not supported; this engine runs JSONata states only (set "QueryLanguage": "JSONata")`);
  }
  return { machine, timeoutSeconds, stateCount: counter.n };
}

function collectAssigned(statesObj: Obj): Set<string> {
  const names = new Set<string>();
  const add = (a: unknown) => {
    if (isObj(a)) for (const k of Object.keys(a)) names.add(k);
  };
  for (const s of Object.values(statesObj)) {
    if (!isObj(s)) continue;
    add(s.Assign);
    if (Array.isArray(s.Choices)) for (const r of s.Choices) if (isObj(r)) add(r.Assign);
    if (Array.isArray(s.Catch)) for (const c of s.Catch) if (isObj(c)) add(c.Assign);
  }
  return names;
}

interface Counter {
  n: number;
  jsonata: number;
  plainJsonPath: string[];
}

function parseMachine(doc: Obj, ctx: Ctx, counter: Counter): Machine {
  if (typeof doc.StartAt !== 'string') invalid(`${ctx.path}StartAt must be a string`);
  if (!isObj(doc.States) || Object.keys(doc.States).length === 0) invalid(`${ctx.path}States must be a non-empty object`);
  const statesObj = doc.States;
  const scopeVars = collectAssigned(statesObj);
  const states = new Map<string, State>();
  for (const [name, raw] of Object.entries(statesObj)) {
    if (name.length === 0 || name.length > 80) invalid(`${ctx.path}state name ${JSON.stringify(name)} must be 1 to 80 characters`);
    if (ctx.names.has(name)) invalid(`${ctx.path}state '${name}': state names must be unique within the state machine`);
    ctx.names.add(name);
    counter.n++;
    states.set(name, parseState(name, raw, ctx, scopeVars, counter));
  }
  if (!states.has(doc.StartAt)) invalid(`${ctx.path}StartAt names a missing state: ${JSON.stringify(doc.StartAt)}`);
  // transitions
  for (const s of states.values()) {
    const check = (target: string | undefined, field: string) => {
      if (target !== undefined && !states.has(target)) invalid(`state '${s.name}': ${field} names a missing state ${JSON.stringify(target)}`);
    };
    check(s.next, 'Next');
    if (s.type === 'Choice') {
      s.choices.forEach((r, i) => check(r.next, `Choices[${i}].Next`));
      check(s.default, 'Default');
    }
    if (s.type === 'Task' || s.type === 'Parallel' || s.type === 'Map') s.catch.forEach((c, i) => check(c.next, `Catch[${i}].Next`));
  }
  // every state must be reachable from StartAt
  const seen = new Set<string>([doc.StartAt]);
  const todo = [doc.StartAt];
  while (todo.length) {
    const s = states.get(todo.pop()!)!;
    const targets: (string | undefined)[] = [s.next];
    if (s.type === 'Choice') targets.push(...s.choices.map((r) => r.next), s.default);
    if (s.type === 'Task' || s.type === 'Parallel' || s.type === 'Map') targets.push(...s.catch.map((c) => c.next));
    for (const t of targets) {
      if (t !== undefined && !seen.has(t)) {
        seen.add(t);
        todo.push(t);
      }
    }
  }
  for (const name of states.keys()) if (!seen.has(name)) invalid(`${ctx.path}state '${name}' is not reachable from StartAt`);
  return { startAt: doc.StartAt, states };
}

function numOrExpr(v: unknown, where: string, opts: { min: number; integer?: boolean }): NumOrExpr | undefined {
  if (v === undefined) return undefined;
  if (isExpressionString(v)) return { e: compileExpr(v, where) };
  if (typeof v !== 'number' || (opts.integer && !Number.isInteger(v)) || v < opts.min) {
    invalid(`${where} must be ${opts.integer ? 'an integer' : 'a number'} >= ${opts.min} or a JSONata expression`);
  }
  return { n: v };
}

function strOrExpr(v: unknown, where: string): StrOrExpr | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') invalid(`${where} must be a string`);
  if (isExpressionString(v)) return { e: compileExpr(v, where) };
  return { s: v };
}

function compileExpr(v: string, where: string): CompiledExpression {
  try {
    return compileExpression(v, fieldOf(where));
  } catch (err) {
    invalid(`${where}: ${(err as Error).message}`);
  }
}

function template(v: unknown, where: string): Template {
  try {
    return compileTemplate(v, fieldOf(where));
  } catch (err) {
    invalid(`${where}: ${(err as Error).message}`);
  }
}

/** "state 'X': Arguments" -> "Arguments" (the field path used in runtime error messages). */
function fieldOf(where: string): string {
  const i = where.lastIndexOf(': ');
  return i >= 0 ? where.slice(i + 2) : where;
}

function parseAssign(v: unknown, where: string, ctx: Ctx): Template | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) invalid(`${where} must be an object of variable names`);
  for (const key of Object.keys(v)) {
    if (!VAR_NAME.test(key) || key === 'states') invalid(`${where}: invalid variable name ${JSON.stringify(key)}`);
    if (ctx.outerVars.has(key)) invalid(`${where}: variable ${JSON.stringify(key)} is assigned in an outer scope; a Map or Parallel branch cannot assign outer variables`);
  }
  return template(v, where);
}

function parseRetry(v: unknown, where: string): Retrier[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(`${where} must be an array`);
  return v.map((r, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(r)) invalid(`${w} must be an object`);
    const errorEquals = parseErrorEquals(r.ErrorEquals, `${w}.ErrorEquals`, i === v.length - 1);
    const num = (x: unknown, f: string, def: number | undefined, min: number, integer: boolean): number | undefined => {
      if (x === undefined) return def;
      if (typeof x !== 'number' || x < min || (integer && !Number.isInteger(x))) invalid(`${w}.${f} must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
      return x;
    };
    const jitter = r.JitterStrategy ?? 'NONE';
    if (jitter !== 'FULL' && jitter !== 'NONE') invalid(`${w}.JitterStrategy must be FULL or NONE`);
    return {
      errorEquals,
      intervalSeconds: num(r.IntervalSeconds, 'IntervalSeconds', 1, 1, true)!,
      maxAttempts: num(r.MaxAttempts, 'MaxAttempts', 3, 0, true)!,
      backoffRate: num(r.BackoffRate, 'BackoffRate', 2, 1, false)!,
      maxDelaySeconds: num(r.MaxDelaySeconds, 'MaxDelaySeconds', undefined, 1, true),
      jitter,
    };
  });
}

function parseErrorEquals(v: unknown, where: string, isLast: boolean): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) invalid(`${where} must be a non-empty array of strings`);
  if (v.includes('States.ALL') && (v.length > 1 || !isLast)) invalid(`${where}: States.ALL must appear alone in the last retrier or catcher`);
  return v as string[];
}

function parseCatch(v: unknown, where: string, ctx: Ctx): Catcher[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(`${where} must be an array`);
  return v.map((c, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(c)) invalid(`${w} must be an object`);
    for (const f of ['ResultPath', 'InputPath', 'OutputPath']) if (c[f] !== undefined) invalid(`${w}.${f} is a JSONPath field; use Output/Assign with JSONata`);
    if (typeof c.Next !== 'string') invalid(`${w}.Next must be a string`);
    return {
      errorEquals: parseErrorEquals(c.ErrorEquals, `${w}.ErrorEquals`, i === v.length - 1),
      next: c.Next,
      output: c.Output === undefined ? undefined : template(c.Output, `${w}.Output`),
      assign: parseAssign(c.Assign, `${w}.Assign`, ctx),
    };
  });
}

function parseResource(resource: unknown, where: string): ResourceKind {
  if (typeof resource !== 'string') invalid(`${where} must be a string`);
  const m = /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d*:(.+)$/.exec(resource);
  if (m) {
    const svc = m[1];
    if (svc === 'lambda:invoke') return { kind: 'lambdaInvoke', waitForToken: false };
    if (svc === 'lambda:invoke.waitForTaskToken') return { kind: 'lambdaInvoke', waitForToken: true };
    const d = /^dynamodb:(getItem|putItem|updateItem|deleteItem)$/.exec(svc ?? '');
    if (d) return { kind: 'dynamodb', action: d[1] as 'getItem' };
    invalid(`${where}: unsupported resource ${JSON.stringify(resource)}; supported: lambda:invoke, lambda:invoke.waitForTaskToken, a Lambda function ARN, dynamodb:getItem|putItem|updateItem|deleteItem`);
  }
  if (LAMBDA_ARN.test(resource)) return { kind: 'lambdaArn', arn: resource };
  invalid(`${where}: unsupported resource ${JSON.stringify(resource)}`);
}

/** AWS's Wait `Timestamp` format: ISO-8601 extended, with `T` and an offset (`Z` or ±hh:mm); epoch ms, or undefined. */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate() || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

function toleratedFailure(value: unknown, where: string, max: number | undefined): void {
  if (value === undefined || isExpressionString(value)) return;
  if (typeof value !== 'number' || value < 0 || (max !== undefined && value > max) || (max === undefined && !Number.isInteger(value))) invalid(`${where} must be ${max === undefined ? 'a non-negative integer' : `a number from 0 to ${max}`} or a JSONata expression`);
}

function parseState(name: string, raw: unknown, ctx: Ctx, scopeVars: Set<string>, counter: Counter): State {
  const at = `${ctx.path}state '${name}'`;
  if (!isObj(raw)) invalid(`${at} must be an object`);
  const type = raw.Type;
  if (typeof type !== 'string' || !ALLOWED[type]) invalid(`${at}: Type ${JSON.stringify(type)} is not supported`);
  const language = raw.QueryLanguage ?? ctx.language;
  // a JSONPath Pass/Succeed/Fail that uses no JSONPath field behaves the same in both languages (mixed machines)
  const plainJsonPath =
    language === 'JSONPath' &&
    (type === 'Pass' || type === 'Succeed' || type === 'Fail') &&
    Object.entries(raw).every(([k, v]) => ['Type', 'Next', 'End', 'Comment', 'QueryLanguage'].includes(k) || ((k === 'Error' || k === 'Cause') && typeof v === 'string' && !isExpressionString(v)));
  if (plainJsonPath) counter.plainJsonPath.push(at);
  else if (language === 'JSONata') counter.jsonata++;
  if (language !== 'JSONata' && !plainJsonPath) {
    invalid(`${at}: QueryLanguage ${JSON.stringify(language)}${raw.QueryLanguage === undefined ? ' (inherited)' : ''} is not supported; this engine runs JSONata states only (set "QueryLanguage": "JSONata")`);
  }
  for (const key of Object.keys(raw)) {
    if (JSONPATH_ONLY.includes(key)) invalid(`${at}: ${key} is a JSONPath field, not allowed in a JSONata state`);
    if (!ALLOWED[type]!.includes(key)) invalid(`${at}: field ${key} is not allowed in a ${type} state`);
  }
  const base: Base = { name, end: false };
  const terminal = type === 'Choice' || type === 'Succeed' || type === 'Fail';
  if (!terminal) {
    if (raw.End === true) {
      if (raw.Next !== undefined) invalid(`${at}: Next and End are mutually exclusive`);
      base.end = true;
    } else if (typeof raw.Next === 'string') base.next = raw.Next;
    else invalid(`${at}: Next (a state name) or End: true is required`);
  }
  if (raw.Output !== undefined) base.output = template(raw.Output, `${at}: Output`);
  if (raw.Assign !== undefined) base.assign = parseAssign(raw.Assign, `${at}: Assign`, ctx);
  switch (type) {
    case 'Pass':
      return { ...base, type };
    case 'Succeed':
      return { ...base, type };
    case 'Fail':
      return { ...base, type, error: strOrExpr(raw.Error, `${at}: Error`), cause: strOrExpr(raw.Cause, `${at}: Cause`) };
    case 'Wait': {
      const seconds = numOrExpr(raw.Seconds, `${at}: Seconds`, { min: 0, integer: true });
      let timestamp: StrOrExpr | undefined;
      if (raw.Timestamp !== undefined) {
        timestamp = strOrExpr(raw.Timestamp, `${at}: Timestamp`);
        if (timestamp && 's' in timestamp && parseIsoTimestamp(timestamp.s) === undefined) invalid(`${at}: Timestamp must be an ISO-8601 extended offset date-time (e.g. 2016-03-14T01:59:00Z)`);
      }
      if ((seconds ? 1 : 0) + (timestamp ? 1 : 0) !== 1) invalid(`${at}: exactly one of Seconds or Timestamp is required`);
      return { ...base, type, seconds, timestamp };
    }
    case 'Choice': {
      if (!Array.isArray(raw.Choices) || raw.Choices.length === 0) invalid(`${at}: Choices must be a non-empty array`);
      const choices = raw.Choices.map((r, i): ChoiceRule => {
        const w = `${at}: Choices[${i}]`;
        if (!isObj(r)) invalid(`${w} must be an object`);
        if (r.Variable !== undefined) invalid(`${w}: Variable is a JSONPath field; use Condition`);
        if (typeof r.Next !== 'string') invalid(`${w}.Next must be a string`);
        // AWS accepts a literal boolean Condition
        if (r.Condition !== true && r.Condition !== false && !isExpressionString(r.Condition)) invalid(`${w}.Condition must be a JSONata expression "{% ... %}" or a boolean`);
        return {
          condition: typeof r.Condition === 'boolean' ? r.Condition : compileExpr(r.Condition, `${w}.Condition`),
          next: r.Next,
          output: r.Output === undefined ? undefined : template(r.Output, `${w}.Output`),
          assign: parseAssign(r.Assign, `${w}.Assign`, ctx),
        };
      });
      if (raw.Default !== undefined && typeof raw.Default !== 'string') invalid(`${at}: Default must be a state name`);
      return { ...base, type, choices, default: raw.Default as string | undefined };
    }
    case 'Task': {
      const res = parseResource(raw.Resource, `${at}: Resource`);
      if ((res.kind === 'lambdaInvoke' || res.kind === 'dynamodb') && raw.Arguments === undefined) invalid(`${at}: Arguments is required for ${String(raw.Resource)}`);
      if (res.kind === 'lambdaInvoke' && isObj(raw.Arguments) && raw.Arguments.FunctionName === undefined) invalid(`${at}: Arguments.FunctionName is required`);
      return {
        ...base,
        type,
        resource: raw.Resource as string,
        res,
        arguments: raw.Arguments === undefined ? undefined : template(raw.Arguments, `${at}: Arguments`),
        timeoutSeconds: numOrExpr(raw.TimeoutSeconds, `${at}: TimeoutSeconds`, { min: 1, integer: true }),
        heartbeatSeconds: numOrExpr(raw.HeartbeatSeconds, `${at}: HeartbeatSeconds`, { min: 1, integer: true }),
        retry: parseRetry(raw.Retry, `${at}: Retry`),
        catch: parseCatch(raw.Catch, `${at}: Catch`, ctx),
      };
    }
    case 'Parallel': {
      if (!Array.isArray(raw.Branches) || raw.Branches.length === 0) invalid(`${at}: Branches must be a non-empty array`);
      const inner: Ctx = { ...ctx, path: '', outerVars: new Set([...ctx.outerVars, ...scopeVars]) };
      const branches = raw.Branches.map((b, i) => {
        if (!isObj(b)) invalid(`${at}: Branches[${i}] must be an object`);
        return parseMachine(b, { ...inner, path: `${at} Branches[${i}] > ` }, counter);
      });
      return {
        ...base,
        type,
        arguments: raw.Arguments === undefined ? undefined : template(raw.Arguments, `${at}: Arguments`),
        branches,
        retry: parseRetry(raw.Retry, `${at}: Retry`),
        catch: parseCatch(raw.Catch, `${at}: Catch`, ctx),
      };
    }
    case 'Map': {
      const proc = raw.ItemProcessor ?? raw.Iterator;
      if (!isObj(proc)) invalid(`${at}: ItemProcessor is required`);
      if (isObj(proc.ProcessorConfig) && proc.ProcessorConfig.Mode !== undefined && proc.ProcessorConfig.Mode !== 'INLINE') {
        invalid(`${at}: ItemProcessor.ProcessorConfig.Mode ${JSON.stringify(proc.ProcessorConfig.Mode)} is not supported (only INLINE)`);
      }
      if (raw.Items !== undefined && !isExpressionString(raw.Items) && !Array.isArray(raw.Items)) invalid(`${at}: Items must be an array or a JSONata expression`);
      // AWS accepts ToleratedFailurePercentage/Count (a number or a JSONata expression) on an inline Map too
      toleratedFailure(raw.ToleratedFailurePercentage, `${at}: ToleratedFailurePercentage`, 100);
      toleratedFailure(raw.ToleratedFailureCount, `${at}: ToleratedFailureCount`, undefined);
      for (const f of ['ItemReader', 'ItemBatcher', 'ResultWriter']) {
        if (raw[f] !== undefined) invalid(`${at}: ${f} is a Distributed Map field; this engine runs inline Map states only`);
      }
      const inner: Ctx = { ...ctx, path: `${at} ItemProcessor > `, outerVars: new Set([...ctx.outerVars, ...scopeVars]) };
      return {
        ...base,
        type,
        items: raw.Items === undefined ? undefined : template(raw.Items, `${at}: Items`),
        itemSelector: raw.ItemSelector === undefined ? undefined : template(raw.ItemSelector, `${at}: ItemSelector`),
        processor: parseMachine(proc, inner, counter),
        maxConcurrency: numOrExpr(raw.MaxConcurrency, `${at}: MaxConcurrency`, { min: 0, integer: true }),
        retry: parseRetry(raw.Retry, `${at}: Retry`),
        catch: parseCatch(raw.Catch, `${at}: Catch`, ctx),
      };
    }
  }
  return invalid(`${at}: Type ${type} is not supported`);
}
