/**
 * What the console reads from an execution's history (the events as
 * GetExecutionHistory returns them, with their data): the states whose last
 * attempt failed, what a running execution waits in and until when, and the
 * input, output and variables of one event or one state (task tokens hidden).
 * Times in the history are execution times (local/engine/execution-time.ts):
 * `executionNow` gives the execution's "now" to compare them with.
 */
import { formatDateTime, fromNow } from '#lib/core/format';
import type { HistoryEvent } from '../engine/api';

type Item = Record<string, unknown>;

function rec(v: unknown): Item {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Item) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The event's `<type>EventDetails` member. */
export function detailsOf(e: HistoryEvent): Item {
  for (const [k, v] of Object.entries(e)) if (k.endsWith('EventDetails')) return rec(v);
  return {};
}

const entered = (e: HistoryEvent): string | undefined => (e.type.endsWith('StateEntered') ? str(detailsOf(e).name) : undefined);
const exited = (e: HistoryEvent): string | undefined => (e.type.endsWith('StateExited') ? str(detailsOf(e).name) : undefined);
/** An attempt that failed: a task, a Lambda function, a Map or Parallel, or the execution itself (in its last state). */
export const isFailureType = (type: string): boolean => /(Failed|TimedOut)$/.test(type) && type !== 'EvaluationFailed';
const isFailure = (e: HistoryEvent): boolean => isFailureType(e.type);
const isSuccess = (e: HistoryEvent): boolean => /^(Task|LambdaFunction|MapState|ParallelState)Succeeded$/.test(e.type);

/** The states whose latest attempt failed (an error or a timeout, caught or not), in the order they were entered. */
export function failedStates(history: readonly HistoryEvent[]): string[] {
  const outcome = new Map<string, 'ok' | 'failed'>();
  let last: string | undefined;
  for (const e of history) {
    const name = entered(e);
    if (name !== undefined) {
      last = name;
      outcome.set(name, 'ok');
    } else if (last !== undefined && isFailure(e)) outcome.set(last, 'failed');
    else if (last !== undefined && isSuccess(e)) outcome.set(last, 'ok');
  }
  return [...outcome].filter(([, o]) => o === 'failed').map(([name]) => name);
}

/** Where the latest entry of `state` begins and ends (its StateExited, or the end of the history while it runs). */
function latestEntry(history: readonly HistoryEvent[], state: string): HistoryEvent[] {
  let start = -1;
  for (let i = history.length - 1; i >= 0 && start < 0; i -= 1) if (entered(history[i] as HistoryEvent) === state) start = i;
  if (start < 0) return [];
  const events: HistoryEvent[] = [];
  for (const e of history.slice(start)) {
    events.push(e);
    if (exited(e) === state) break;
  }
  return events;
}

export interface Waiting {
  /** The state it waits in. */
  state: string;
  /** A task waiting for a person's answer (a task token) or a Wait state. */
  kind: 'answer' | 'wait';
  since: Date;
  /** When the task times out or the Wait ends (execution time); unknown when the definition computes it. */
  due?: Date;
  /** The request went to the team lead after the owner's deadline. */
  escalated: boolean;
}

/** `{% $number('600') %}`, `{% 600 %}` or 600: a Wait's Seconds as the substituted definition writes it; undefined when computed. */
function literalSeconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const m = typeof v === 'string' ? /^\{%\s*(?:\$number\('(\d+)'\)|(\d+))\s*%\}$/.exec(v.trim()) : null;
  const n = m === null ? undefined : Number(m[1] ?? m[2]);
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** What a running execution waits in, from its history (and, for a Wait state, the definition's Seconds or Timestamp). */
export function waitingOf(history: readonly HistoryEvent[], current: string | undefined, definition: unknown): Waiting | undefined {
  if (current === undefined) return undefined;
  const events = latestEntry(history, current);
  const first = events[0];
  if (first === undefined) return undefined;
  const since = new Date(first.timestamp);
  if (first.type === 'WaitStateEntered') {
    const state = rec(rec(rec(definition).States)[current]);
    const seconds = literalSeconds(state.Seconds);
    const stamp = str(state.Timestamp);
    const due = seconds !== undefined ? new Date(since.getTime() + seconds * 1000) : stamp !== undefined && !stamp.startsWith('{%') ? new Date(stamp) : undefined;
    return { state: current, kind: 'wait', since, ...(due !== undefined && !Number.isNaN(due.getTime()) ? { due } : {}), escalated: false };
  }
  const scheduled = [...events].reverse().find((e) => e.type === 'TaskScheduled');
  if (scheduled === undefined) return undefined;
  const d = detailsOf(scheduled);
  if (!String(d.resource ?? '').endsWith('.waitForTaskToken')) return undefined;
  const timeout = typeof d.timeoutInSeconds === 'number' ? d.timeoutInSeconds : undefined;
  const payload = rec(rec(parseJson(str(d.parameters))).Payload);
  return {
    state: current,
    kind: 'answer',
    since: new Date(scheduled.timestamp),
    ...(timeout !== undefined ? { due: new Date(new Date(scheduled.timestamp).getTime() + timeout * 1000) } : {}),
    escalated: payload.escalated === true,
  };
}

/** The execution's "now": execution time runs `timeScale` times faster than the clock from `from` (the engine's shared time origin, or else the execution's start). */
export function executionNow(from: Date, timeScale: number, now: Date = new Date()): Date {
  const start = from.getTime();
  return timeScale === 1 ? now : new Date(start + (now.getTime() - start) * timeScale);
}

/** "in 4 hours", or "2 hours overdue" once it has passed. */
export function dueText(due: Date, now: Date): string {
  const rel = fromNow(due, now);
  if (due.getTime() >= now.getTime()) return rel;
  return rel.endsWith(' ago') ? `${rel.slice(0, -' ago'.length)} overdue` : `overdue (${rel})`;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A value with every task token replaced (a token lets anyone answer for the task). */
function hideTokens(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hideTokens);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, /token/i.test(k) && typeof x === 'string' ? '(task token, hidden)' : hideTokens(x)]));
}

/** JSON text as people read it: indented, task tokens hidden. */
function shown(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const v = hideTokens(parseJson(text));
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

export interface Inspection {
  /** What was selected: "Event 12 · TaskStateExited" or "State Qualify lead". */
  title: string;
  state?: string;
  /** The events it covers (the selected one, or a state's latest entry). */
  eventIds: number[];
  /** Input, parameters, result, error, output, variables: label and text, in that order. */
  sections: [string, string][];
}

/** The parts of one event's details that show data, labelled. */
function sectionsOf(e: HistoryEvent): [string, string][] {
  const d = detailsOf(e);
  const out: [string, string][] = [];
  const add = (label: string, text: string | undefined): void => {
    if (text !== undefined) out.push([label, text]);
  };
  if (e.type.endsWith('StateEntered') || e.type === 'ExecutionStarted') add('Input', shown(str(d.input)));
  if (e.type.endsWith('Scheduled')) add('Task input', shown(str(d.parameters) ?? str(d.input)));
  add('Task result', isSuccess(e) || e.type === 'TaskSubmitted' ? shown(str(d.output)) : undefined);
  if (str(d.error) !== undefined || str(d.cause) !== undefined) add('Error', [str(d.error), str(d.cause)].filter((x) => x !== undefined).join('\n'));
  add('Output', e.type.endsWith('StateExited') || e.type === 'ExecutionSucceeded' ? shown(str(d.output)) : undefined);
  const vars = rec(d.assignedVariables);
  if (Object.keys(vars).length > 0) {
    add('Variables assigned', JSON.stringify(hideTokens(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, parseJson(str(v) ?? 'null')]))), null, 2));
  }
  return out;
}

/** One event's data (`?event=N`), or the latest entry of a state (`?state=Name`): its input, task input and result, error, output and variables; a Wait's end (from `definition`). */
export function inspect(history: readonly HistoryEvent[], selection: { event?: number; state?: string }, definition?: unknown): Inspection | undefined {
  if (selection.event !== undefined) {
    const e = history.find((x) => x.id === selection.event);
    if (e === undefined) return undefined;
    const state = str(detailsOf(e).name);
    return { title: `Event ${e.id} · ${e.type}`, ...(state !== undefined ? { state } : {}), eventIds: [e.id], sections: sectionsOf(e) };
  }
  if (selection.state === undefined) return undefined;
  const events = latestEntry(history, selection.state);
  if (events.length === 0) return { title: `State ${selection.state}`, state: selection.state, eventIds: [], sections: [] };
  const sections = events.flatMap(sectionsOf);
  const until = events[0]?.type === 'WaitStateEntered' ? waitingOf(history, selection.state, definition)?.due : undefined;
  if (until !== undefined) sections.splice(1, 0, ['Waits until', formatDateTime(until)]);
  return { title: `State ${selection.state}`, state: selection.state, eventIds: events.map((e) => e.id), sections };
}

/** The lead's answer request a task waits for, as the console shows it: what and from whom. */
export function waitLabel(w: Waiting, who: string | undefined): string {
  if (w.kind === 'wait') return w.state;
  const from = who !== undefined ? ` from ${who}` : '';
  return `${w.state}${from}${w.escalated ? ' (escalated to the team lead)' : ''}`;
}
