/**
 * Cancellation inside an execution. Every run has a root `Scope`; a task, a
 * Parallel or a Map state opens a child scope of its frame's. Cancelling a
 * scope (a stop, a timeout, a failed sibling branch, parking) cancels its
 * children, and code waiting in it unwinds by throwing `Halt`.
 */

/** Thrown inside an execution to unwind it without recording anything (stop, abort, cancelled branch). */
export class Halt extends Error {
  constructor() {
    super('halted');
  }
}

export class Scope {
  cancelled = false;
  private handlers = new Set<() => void>();
  onCancel(fn: () => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }
  child(): Scope {
    const c = new Scope();
    if (this.cancelled) c.cancelled = true;
    else {
      const off = this.onCancel(() => c.cancel());
      c.onCancel(off);
    }
    return c;
  }
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const hs = [...this.handlers];
    this.handlers.clear();
    for (const h of hs) h();
  }
  check(): void {
    if (this.cancelled) throw new Halt();
  }
}
