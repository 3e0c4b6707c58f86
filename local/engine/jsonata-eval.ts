/**
 * JSONata for the Step Functions dialect: `{% expr %}` strings anywhere in a
 * JSON template, compiled once per definition, evaluated with `$states` and
 * the workflow variables as bindings, plus Step Functions' own functions
 * ($partition $range $hash $random $uuid $parse).
 */
import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';
import { StatesError } from './errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Bindings = Record<string, unknown>;

/** A compiled JSON template: a constant, or a tree with JSONata expressions inside. */
export type Template =
  | { k: 'const'; v: Json }
  | { k: 'expr'; e: CompiledExpression }
  | { k: 'obj'; entries: [string, Template][] }
  | { k: 'arr'; items: Template[] };

export interface CompiledExpression {
  source: string;
  field: string;
  expr: jsonata.Expression;
}

const EXPR_RE = /^\{%([\s\S]*)%\}$/;

export function isExpressionString(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}') && value.length >= 4;
}

/** Compiles one `{% %}` string; throws Error(message) naming the field on a syntax error. */
export function compileExpression(text: string, field: string): CompiledExpression {
  const m = EXPR_RE.exec(text);
  const source = (m?.[1] ?? text).trim();
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source);
  } catch (err) {
    const e = err as { message?: string; position?: number };
    throw new Error(`invalid JSONata expression in ${field}: ${e.message ?? String(err)}`);
  }
  registerSfnFunctions(expr);
  return { source, field, expr };
}

export function compileTemplate(value: unknown, field: string): Template {
  if (isExpressionString(value)) return { k: 'expr', e: compileExpression(value, field) };
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileTemplate(v, `${field}[${i}]`));
    if (items.every((t) => t.k === 'const')) return { k: 'const', v: value as Json };
    return { k: 'arr', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([key, v]) => [key, compileTemplate(v, `${field}/${key}`)] as [string, Template],
    );
    if (entries.every(([, t]) => t.k === 'const')) return { k: 'const', v: value as Json };
    return { k: 'obj', entries };
  }
  return { k: 'const', v: value as Json };
}

export async function evaluateExpression(c: CompiledExpression, bindings: Bindings): Promise<Json> {
  let result: unknown;
  try {
    const states = bindings.states as { input?: unknown } | undefined;
    result = await c.expr.evaluate(states?.input ?? {}, bindings);
  } catch (err) {
    const e = err as { message?: string; code?: string };
    if (err instanceof StatesError) throw err;
    // AWS: "... threw an error during evaluation. T1006: Attempted to invoke a non-function"
    throw new StatesError(
      'States.QueryEvaluationError',
      `The JSONata expression '${c.source}' specified for the field '${c.field}' threw an error during evaluation. ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
      [],
      c.field.split('/')[0],
    );
  }
  if (result === undefined) {
    throw new StatesError(
      'States.QueryEvaluationError',
      `The JSONata expression '${c.source}' specified for the field '${c.field}' returned nothing (undefined).`,
      [],
      c.field.split('/')[0],
    );
  }
  return toJson(result, c);
}

export async function evaluateTemplate(t: Template, bindings: Bindings): Promise<Json> {
  switch (t.k) {
    case 'const':
      return t.v;
    case 'expr':
      return evaluateExpression(t.e, bindings);
    case 'arr': {
      const out: Json[] = [];
      for (const item of t.items) out.push(await evaluateTemplate(item, bindings));
      return out;
    }
    case 'obj': {
      const out: { [key: string]: Json } = {};
      for (const [key, item] of t.entries) out[key] = await evaluateTemplate(item, bindings);
      return out;
    }
  }
}

/** Converts a JSONata result into plain JSON (drops sequence flags, rejects functions). */
function toJson(value: unknown, c: CompiledExpression): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new StatesError('States.QueryEvaluationError', `The JSONata expression '${c.source}' specified for the field '${c.field}' returned a non-finite number.`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const v of value) if (v !== undefined) out.push(toJson(v, c));
    return out;
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = toJson(v, c);
    }
    return out;
  }
  throw new StatesError(
    'States.QueryEvaluationError',
    `The JSONata expression '${c.source}' specified for the field '${c.field}' returned an unsupported result type.`,
    [],
    c.field.split('/')[0],
  );
}

// ---------------------------------------------------------------------------
// Step Functions' JSONata functions

function fail(message: string): never {
  throw new Error(message);
}

function partition(array: unknown, size: unknown): unknown[] {
  if (!Array.isArray(array)) fail('$partition: the first argument must be an array');
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) fail('$partition: the chunk size must be a positive integer');
  const out: unknown[] = [];
  for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
  return out;
}

/** AWS returns a one-element range as the bare number (a JSONata singleton sequence): $range(1, 9, 9) is 1. */
function range(start: unknown, end: unknown, step: unknown): number[] | number {
  if (typeof start !== 'number' || typeof end !== 'number' || typeof step !== 'number') fail('$range: start, end and step must be numbers');
  if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(step)) fail('$range: start, end and step must be integers');
  if (step === 0) fail('$range: step must not be 0');
  const out: number[] = [];
  if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
  else for (let i = start; i >= end; i += step) out.push(i);
  if (out.length > 1000) fail('$range: the result must not have more than 1000 items');
  return out.length === 1 ? out[0]! : out;
}

const HASH_ALGORITHMS: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function hash(value: unknown, algorithm: unknown): string {
  if (typeof value !== 'string') fail('$hash: the value must be a string');
  const algo = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
  if (!algo) fail(`$hash: unsupported algorithm; use one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`);
  return createHash(algo).update(value).digest('hex');
}

/** mulberry32, seeded from a number or a string. */
function seededRandom(seed: unknown): number {
  let h = 0;
  if (typeof seed === 'number') h = Math.floor(seed) | 0;
  else {
    const s = String(seed);
    for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  }
  let t = (h + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function random(seed?: unknown): number {
  return seed === undefined ? Math.random() : seededRandom(seed);
}

function parse(text: unknown): unknown {
  if (typeof text !== 'string') fail('$parse: the argument must be a string');
  try {
    return JSON.parse(text);
  } catch {
    return fail('$parse: the argument is not valid JSON');
  }
}

function registerSfnFunctions(expr: jsonata.Expression): void {
  expr.registerFunction('partition', partition);
  expr.registerFunction('range', range);
  expr.registerFunction('hash', hash);
  expr.registerFunction('random', random);
  expr.registerFunction('uuid', () => randomUUID());
  expr.registerFunction('parse', parse);
  expr.registerFunction('eval', () => fail('$eval is not supported in Step Functions; use $parse'));
}
