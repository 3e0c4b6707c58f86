/**
 * Structural checks by the `asl-validator` package (terminal states, branch
 * transitions). It is stricter than AWS in a few places, so values AWS
 * accepts are replaced by neutral placeholders in a copy before validating:
 * non-object `Output` (arrays, numbers, ...), JSONata expressions in numeric fields.
 */
import { createRequire } from 'node:module';
import { EngineError } from './api';

interface AslError {
  'Error code'?: string;
  Message?: string;
}
type Check = (definition: unknown, opts: { checkPaths: boolean; checkArn: boolean }) => AslError[];

const require = createRequire(import.meta.url);
let checks: Check[] | undefined;

/**
 * The package's structural checks. Its full `validator()` also runs its JSON
 * schema, but compiles all schemas with a new Ajv on every call (1-2 s per
 * definition), and parseDefinition already checks every field, so only the
 * cheap graph checks are used.
 */
function loadChecks(): Check[] {
  const terminal = require('asl-validator/dist/src/checks/missing-terminal-state-errors') as { missingTerminalStateErrors: Check };
  const transitions = require('asl-validator/dist/src/checks/state-transitions-errors') as { stateTransitionsErrors: Check };
  return [terminal.missingTerminalStateErrors, transitions.stateTransitionsErrors];
}

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

const IGNORED = new Set(['MISSING_TRANSITION_TARGET', 'DUPLICATE_STATE_NAMES']);

export function validateWithAslValidator(definition: string): void {
  let errors: AslError[] = [];
  try {
    checks ??= loadChecks();
    const doc = JSON.parse(definition) as unknown;
    sanitize(doc);
    for (const check of checks) errors.push(...check(doc, { checkPaths: false, checkArn: false }));
  } catch {
    return; // the validator itself failed: parseDefinition's checks stand
  }
  // Transition targets are checked by parseDefinition (asl-validator mis-reads states named "Next" or "Default").
  errors = errors.filter((e) => !IGNORED.has(e['Error code'] ?? ''));
  if (errors.length) {
    const messages = errors.map((e) => e.Message ?? e['Error code'] ?? 'invalid').slice(0, 5);
    throw new EngineError('InvalidDefinition', `Invalid State Machine Definition: ${messages.join('; ')}`);
  }
}
