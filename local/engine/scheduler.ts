/**
 * Timers on the engine clock: one real setTimeout for the earliest due timer.
 * Works with the system clock and with a ManualClock (which notifies the
 * scheduler when a test advances it).
 */
import type { Clock } from './api';

export interface Timer {
  due: number; // clock ms (real)
  fn: () => void;
  cancelled: boolean;
}

const MAX_DELAY = 2_147_483_647;
const noop = (): void => undefined;

/** A clock that only moves when told to (tests). */
export class ManualClock implements Clock {
  private listeners = new Set<() => void>();
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  /** Moves the clock forward and fires due timers. */
  advance(ms: number): void {
    this.t += ms;
    for (const l of this.listeners) l();
  }
  set(t: number): void {
    this.t = t;
    for (const l of this.listeners) l();
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface Subscribable {
  subscribe?(listener: () => void): () => void;
}

export class Scheduler {
  private heap: Timer[] = [];
  private handle: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly clock: Clock) {
    const sub = (clock as Clock & Subscribable).subscribe;
    if (typeof sub === 'function') this.unsubscribe = sub.call(clock, () => this.fire());
  }

  get size(): number {
    return this.heap.length;
  }

  at(due: number, fn: () => void): Timer {
    const t: Timer = { due, fn, cancelled: false };
    this.push(t);
    if (due < this.armedFor) this.arm();
    return t;
  }

  cancel(t: Timer): void {
    t.cancelled = true;
    t.fn = noop; // it stays in the heap until due: let go of what it would have run
  }

  stop(): void {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.heap = [];
    this.unsubscribe?.();
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    const first = this.heap[0];
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    if (!first) {
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = first.due;
    const delay = Math.min(MAX_DELAY, Math.max(0, first.due - this.clock.now()));
    this.handle = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const ready: Timer[] = [];
    while (this.heap.length && (this.heap[0]!.cancelled || this.heap[0]!.due <= now)) {
      const t = this.pop()!;
      if (!t.cancelled) ready.push(t);
    }
    this.armedFor = Infinity;
    this.arm();
    for (const t of ready) t.fn();
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.due <= h[i]!.due) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.due < h[m]!.due) m = l;
        if (r < h.length && h[r]!.due < h[m]!.due) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
