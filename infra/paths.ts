/** Absolute paths of the files the stack is built from (ESM: no __dirname). */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the directory holding cdk.json and package-lock.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The one state machine definition. */
export const ASL_FILE = path.join(REPO_ROOT, 'statemachines', 'lead-lifecycle.asl.json');
