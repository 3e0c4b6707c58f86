/**
 * The embedded Step Functions engine: `createEngine(options)`.
 * See api.ts for the contract, engine.ts for the API, runs.ts and
 * interpreter.ts for how executions run, and store.ts for what is persisted.
 */
import type { Engine, EngineOptions } from './api';
import { EngineImpl } from './engine';

export * from './api';
export { MemoryStore } from './memory-store';
export type { Cursor, ExecutionCommit, ExecutionRecord, StateMachineRecord, StoredEvent } from './store';
export { ManualClock } from './scheduler';

export function createEngine(options: EngineOptions = {}): Engine {
  return new EngineImpl(options);
}
export { DynamoDBStore, type DynamoDBStoreOptions } from './dynamodb-store';
