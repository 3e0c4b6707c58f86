// The JSON Schemas of the domain events (schemas/events), compiled with ajv,
// for the unit and end-to-end tests that check events against them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { EVENT_NAMES, detailType, schemaFile, type EventName } from '#lib/events/catalogue';
import { REPO_ROOT } from '../../../infra/paths';

// ajv-formats is CommonJS: its default export is the function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);

/** detail-type (e.g. `StageChanged.v1`) -> the compiled schema of its detail. */
export const EVENT_VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map(
  EVENT_NAMES.map((name: EventName) => [detailType(name), ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, schemaFile(name)), 'utf8')) as object)]),
);

/** The schema errors of one event's detail, as readable lines (empty: valid); an unknown detail-type is an error too. */
export function schemaErrors(type: string, detail: unknown): string[] {
  const validate = EVENT_VALIDATORS.get(type);
  if (validate === undefined) return [`${type}: no schema in schemas/events`];
  return validate(detail) ? [] : (validate.errors ?? []).map((e) => `${type}${e.instancePath} ${e.message ?? 'invalid'}`);
}
