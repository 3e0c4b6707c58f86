/**
 * The in-memory execution store: every record and history event in maps,
 * lost on exit. The default store of `createEngine`; tests and the CLI's
 * `run` use it.
 */
import { listKey, type ExecutionCommit, type ExecutionRecord, type ExecutionStoreImpl, type ListExecutionsQuery, type StateMachineRecord, type StoredEvent } from './store';

interface MemExec {
  rec: ExecutionRecord;
  events: StoredEvent[];
  key: string;
}

export class MemoryStore implements ExecutionStoreImpl {
  readonly kind = 'memory' as const;
  private machines = new Map<string, StateMachineRecord>();
  private definitions = new Map<string, string>();
  private executions = new Map<string, MemExec>();
  private byMachine = new Map<string, MemExec[]>();

  async init(): Promise<void> {}

  async putStateMachine(rec: StateMachineRecord, mode: 'create' | 'replace'): Promise<boolean> {
    if (mode === 'create' && this.machines.has(rec.stateMachineArn)) return false;
    this.machines.set(rec.stateMachineArn, rec);
    return true;
  }
  async getStateMachine(arn: string): Promise<StateMachineRecord | undefined> {
    return this.machines.get(arn);
  }
  async listStateMachines(): Promise<StateMachineRecord[]> {
    return [...this.machines.values()];
  }
  async deleteStateMachine(arn: string): Promise<void> {
    this.machines.delete(arn);
  }
  async putDefinition(id: string, definition: string): Promise<void> {
    this.definitions.set(id, definition);
  }
  async getDefinition(id: string): Promise<string | undefined> {
    return this.definitions.get(id);
  }

  async createExecution(rec: ExecutionRecord, events: StoredEvent[]): Promise<ExecutionRecord | undefined> {
    const existing = this.executions.get(rec.executionArn);
    if (existing) return existing.rec;
    const e: MemExec = { rec, events: [...events], key: listKey(rec.startDate, rec.name) };
    this.executions.set(rec.executionArn, e);
    let list = this.byMachine.get(rec.stateMachineArn);
    if (!list) this.byMachine.set(rec.stateMachineArn, (list = []));
    // kept sorted by key descending (oldest first), so the usual newest execution is appended
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.key > e.key) lo = mid + 1;
      else hi = mid;
    }
    if (lo === list.length) list.push(e);
    else list.splice(lo, 0, e);
    return undefined;
  }

  async commit(executionArn: string, c: ExecutionCommit): Promise<void> {
    const e = this.executions.get(executionArn);
    if (!e) throw new Error(`commit to unknown execution ${executionArn}`);
    for (const ev of c.events) e.events.push(ev);
    let rec: ExecutionRecord = { ...e.rec, eventCount: c.eventCount };
    if (c.cursor) rec.cursor = c.cursor;
    if (c.final) {
      const last = c.cursor ?? e.rec.cursor;
      rec = { ...(c.head ?? rec), ...c.final, eventCount: c.eventCount };
      delete rec.cursor;
      if (last) rec.lastCursor = last;
    }
    e.rec = rec;
  }

  async redrive(rec: ExecutionRecord, events: StoredEvent[]): Promise<void> {
    const e = this.executions.get(rec.executionArn);
    if (!e) throw new Error(`redrive of unknown execution ${rec.executionArn}`);
    for (const ev of events) e.events.push(ev);
    e.rec = rec;
  }

  async getExecution(arn: string): Promise<ExecutionRecord | undefined> {
    return this.executions.get(arn)?.rec;
  }

  async listExecutions(q: ListExecutionsQuery): Promise<{ items: ExecutionRecord[]; nextToken?: string }> {
    const list = this.byMachine.get(q.stateMachineArn) ?? [];
    const after = q.nextToken;
    const items: ExecutionRecord[] = [];
    let lastKey: string | undefined;
    let more = false;
    // newest first: from the end; after a token, only keys greater than it
    let start = list.length - 1;
    if (after !== undefined) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.key > after) lo = mid + 1;
        else hi = mid;
      }
      start = lo - 1;
    }
    for (let i = start; i >= 0; i--) {
      const e = list[i]!;
      if (q.statusFilter && e.rec.status !== q.statusFilter) continue;
      if (items.length >= q.maxResults) {
        more = true;
        break;
      }
      items.push(e.rec);
      lastKey = e.key;
    }
    return { items, nextToken: more ? lastKey : undefined };
  }

  async listRunning(): Promise<ExecutionRecord[]> {
    const out: ExecutionRecord[] = [];
    for (const e of this.executions.values()) if (e.rec.status === 'RUNNING') out.push(e.rec);
    return out;
  }

  async forEachRunning(fn: (rec: ExecutionRecord) => void | Promise<void>): Promise<void> {
    for (const rec of await this.listRunning()) await fn(rec);
  }

  async getHistory(arn: string): Promise<StoredEvent[]> {
    return this.executions.get(arn)?.events ?? [];
  }
}
