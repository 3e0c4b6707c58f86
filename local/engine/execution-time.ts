/**
 * Execution time and timers. Execution time runs `timeScale` times faster
 * than the clock: by default each execution's from its own start date; with a
 * shared `origin` (a clock time) every execution's from that one instant, so
 * all executions, and whatever else reads the same scaled clock (the local
 * stack's scheduled events), agree on "now". Every timestamp in history,
 * `$states.context`, `$now()`/`$millis()` and every Wait/timeout deadline is
 * in execution time; timers fire at the matching clock time, so they keep
 * their original schedule across restarts (a shared origin must be kept too).
 */
import type { Clock } from './api';
import { Scheduler, type Timer } from './scheduler';
import { Halt, type Scope } from './scope';

/** What execution time is counted from: an execution's start date (clock ms). */
interface Started {
  startDate: number;
}

export class ExecutionTime {
  private scheduler: Scheduler;
  private schedulerAlive = true;

  constructor(
    readonly clock: Clock,
    readonly timeScale: number,
    /** The clock time (ms) every execution's time counts from; undefined: each execution's own start. */
    readonly origin?: number,
  ) {
    this.scheduler = new Scheduler(clock);
  }

  /** Timers work again after stop() (an engine can be started again). */
  start(): void {
    if (!this.schedulerAlive) {
      this.scheduler = new Scheduler(this.clock);
      this.schedulerAlive = true;
    }
  }

  /** Drops every timer. */
  stop(): void {
    this.scheduler.stop();
    this.schedulerAlive = false;
  }

  /** The execution time of `run` now. */
  execNow(run: Started): number {
    const now = this.clock.now();
    const from = this.origin ?? run.startDate;
    return this.timeScale === 1 ? now : from + (now - from) * this.timeScale;
  }

  /** The clock time at which `run` reaches execution time `execT`. */
  realAt(run: Started, execT: number): number {
    const from = this.origin ?? run.startDate;
    return this.timeScale === 1 ? execT : from + (execT - from) / this.timeScale;
  }

  /** The start date (execution time) of an execution started now. */
  startNow(): number {
    return this.execNow({ startDate: this.clock.now() });
  }

  /** Calls `fn` when `run` reaches execution time `execDue`. */
  at(run: Started, execDue: number, fn: () => void): Timer {
    return this.scheduler.at(this.realAt(run, execDue), fn);
  }

  cancel(timer: Timer): void {
    this.scheduler.cancel(timer);
  }

  /** Resolves at execution time `execDue`; rejects with Halt if `scope` is cancelled first. */
  sleepUntil(run: Started, scope: Scope, execDue: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (scope.cancelled) return reject(new Halt());
      const t = this.scheduler.at(this.realAt(run, execDue), () => {
        off();
        resolve();
      });
      const off = scope.onCancel(() => {
        this.scheduler.cancel(t);
        reject(new Halt());
      });
    });
  }
}
