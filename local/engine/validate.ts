/**
 * Structural checks by the `asl-validator` package (duplicate state names,
 * terminal states, unreachable states, schema). Its JSON schema is stricter
 * than AWS in a few places, so values AWS accepts are replaced by neutral
 * placeholders in a copy before validating: non-object `Output` (arrays,
 * numbers, ...), and JSONata expressions in numeric fields.
 */
import { createRequire } from 'node:module';
import { EngineError } from './api';

interface AslValidatorResult {
  isValid: boolean;
  errors: { 'Error code'?: string; Message?: string }[];
}
type AslValidator = (definition: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }) => AslValidatorResult;

const require = createRequire(import.meta.url);
let validator: AslValidator | undefined;

const NUMERIC_FIELDS = ['TimeoutSeconds', 'HeartbeatSeconds', 'Seconds', 'MaxConcurrency', 'ToleratedFailurePercentage', 'ToleratedFailureCount'];

function sanitize(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) sanitize(n);
    return;
  }
  const obj = node as Record<string, unknown>;
  const states = obj.States;
  if (states && typeof states === 'object' && !Array.isArray(states)) {
    for (const s of Object.values(states as Record<string, unknown>)) {
      if (!s || typeof s !== 'object') continue;
      const st = s as Record<string, unknown>;
      if ('Output' in st && (st.Output === null || typeof st.Output !== 'object' || Array.isArray(st.Output))) st.Output = '{% $states.input %}';
      if (Array.isArray(st.Choices)) {
        for (const r of st.Choices as Record<string, unknown>[]) {
          if (r && 'Output' in r && (r.Output === null || typeof r.Output !== 'object' || Array.isArray(r.Output))) r.Output = '{% $states.input %}';
        }
      }
      if (Array.isArray(st.Catch)) {
        for (const c of st.Catch as Record<string, unknown>[]) {
          if (c && 'Output' in c && (c.Output === null || typeof c.Output !== 'object' || Array.isArray(c.Output))) c.Output = '{% $states.input %}';
        }
      }
      for (const f of NUMERIC_FIELDS) if (typeof st[f] === 'string') st[f] = f === 'ToleratedFailurePercentage' ? 0 : 1;
      if (st.Items !== undefined && typeof st.Items !== 'string') st.Items = '{% $states.input %}';
      if (st.Arguments !== undefined && (st.Arguments === null || typeof st.Arguments !== 'object' || Array.isArray(st.Arguments))) st.Arguments = '{% $states.input %}';
      sanitize(st.ItemProcessor);
      sanitize(st.Iterator);
      sanitize(st.Branches);
    }
  }
}

export function validateWithAslValidator(definition: string): void {
  validator ??= require('asl-validator') as AslValidator;
  const doc = JSON.parse(definition) as unknown;
  sanitize(doc);
  const result = validator(doc, { checkPaths: false, checkArn: false });
  if (!result.isValid) {
    const messages = result.errors.map((e) => e.Message ?? e['Error code'] ?? 'invalid').slice(0, 5);
    throw new EngineError('InvalidDefinition', `Invalid State Machine Definition: ${messages.join('; ')}`);
  }
}
