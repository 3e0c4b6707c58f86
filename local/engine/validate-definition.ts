/**
 * ValidateStateMachineDefinition: AWS's answer shape
 * `{ result: 'OK' | 'FAIL', diagnostics: [{ severity, code, message, location }], truncated }`
 * for the checks this engine makes before it runs a definition (parseDefinition,
 * then the structural checks of validate.ts). The first checks and their
 * wording follow what AWS records (LocalStack's
 * tests/aws/services/stepfunctions/v2/test_sfn_api_validation.snapshot.json):
 * an empty definition, JSON that does not parse (INVALID_JSON_DESCRIPTION),
 * missing StartAt/States, a JSONPath state in a JSONata machine. A definition
 * that AWS accepts but this engine cannot run (JSONPath, other services) is a
 * FAIL here, with the engine's reason: what passes runs.
 */
import { EngineError } from './api';
import { parseDefinition } from './definition';
import { validateWithAslValidator } from './validate';

export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  code: string;
  message: string;
  location?: string;
}

export interface ValidationResult {
  result: 'OK' | 'FAIL';
  diagnostics: Diagnostic[];
  truncated: boolean;
}

const fail = (diagnostics: Diagnostic[], maxResults = 100): ValidationResult => ({
  result: 'FAIL',
  diagnostics: diagnostics.slice(0, maxResults),
  truncated: diagnostics.length > maxResults,
});

/** `state 'A'` / `state 'M' ItemProcessor > state 'B'` in an engine message, as a JSON pointer. */
function locationOf(message: string): string {
  const names = [...message.matchAll(/state '([^']+)'/g)].map((m) => m[1]!);
  if (names.length === 0) return '/';
  return names.map((n) => `/States/${n.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function validateStateMachineDefinition(definition: string, options: { type?: 'STANDARD' | 'EXPRESS'; maxResults?: number } = {}): ValidationResult {
  const max = options.maxResults && options.maxResults > 0 ? options.maxResults : 100;
  if (definition.trim() === '') return fail([{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'Definition must be a valid JSON object' }], max);
  let doc: unknown;
  try {
    doc = JSON.parse(definition);
  } catch (err) {
    return fail([{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (err as Error).message, location: '/' }], max);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return fail([{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: 'Definition must be a valid JSON object' }], max);
  }
  const obj = doc as Record<string, unknown>;
  const missing = ['States', 'StartAt'].filter((k) => obj[k] === undefined);
  if (missing.length) return fail([{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: `These fields are required: [${missing.join(', ')}]`, location: '/' }], max);
  const diagnostics: Diagnostic[] = [];
  if (obj.QueryLanguage === 'JSONata' && typeof obj.States === 'object' && obj.States !== null) {
    for (const [name, state] of Object.entries(obj.States as Record<string, unknown>)) {
      if (typeof state === 'object' && state !== null && (state as Record<string, unknown>).QueryLanguage === 'JSONPath') {
        diagnostics.push({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", location: `/States/${name}` });
      }
    }
  }
  if (options.type === 'EXPRESS' && /\.waitForTaskToken"/.test(definition)) {
    diagnostics.push({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: "Express state machine does not support '.waitForTaskToken' service integration ", location: '/' });
  }
  if (diagnostics.length) return fail(diagnostics, max);
  try {
    parseDefinition(definition);
    validateWithAslValidator(definition);
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    return fail([{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: err.message, location: locationOf(err.message) }], max);
  }
  return { result: 'OK', diagnostics: [], truncated: false };
}
