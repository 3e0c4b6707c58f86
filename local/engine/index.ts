/**
 * The embedded Step Functions engine: `createEngine(options)`.
 * See api.ts for the contract and runtime.ts / store.ts for the design.
 */
import type { Engine, EngineOptions } from './api';
import { EngineImpl } from './runtime';

export * from './api';
export { MemoryStore } from './store';
export type { Cursor, ExecutionCommit, ExecutionRecord, StateMachineRecord, StoredEvent } from './store';
export { ManualClock } from './scheduler';

export function createEngine(options: EngineOptions = {}): Engine {
  return new EngineImpl(options);
}
export { DynamoDBStore, type DynamoDBStoreOptions } from './dynamodb-store';
