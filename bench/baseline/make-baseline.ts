/**
 * The baseline for the cost comparison: the same lead lifecycle with
 * reminders as a Wait loop inside the execution (the common alternative to
 * the pipeline's scheduled sweep), generated from
 * statemachines/lead-lifecycle.asl.json so it stays the same lifecycle.
 *
 * Each wait-for-feedback task X becomes a Parallel state X with two branches:
 *   1. "Request: X": the original callback task (same Lambda, timeout and
 *      retries), then a Fail state that carries the answer out of the
 *      Parallel (Error Pipeline.Answered, Cause = the answer as JSON): the
 *      standard way to end the other branch when the answer comes.
 *   2. The reminder loop: "Poll: X" (Wait ${ReminderPollSeconds}) ->
 *      "Reminder due? X" (Choice: has ${ReminderAfterFraction} of the SLA
 *      passed?) -> "Send reminder: X" (the reminder Lambda) -> "Poll after
 *      reminder: X" -> "Past deadline? X" (Choice: loop, or stop
 *      at the SLA, when the callback times out anyway).
 * The Parallel catches Pipeline.Answered and continues where X went, with X's
 * Assign/Output reading the answer from the Cause; X's own catches (timeout
 * escalation, Needs attention) move to the Parallel unchanged.
 *
 *   npx tsx bench/baseline/make-baseline.ts   (rewrites lead-lifecycle-reminder-loop.asl.json)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
export const BASELINE_FILE = join(import.meta.dirname, 'lead-lifecycle-reminder-loop.asl.json');
const MAIN_FILE = join(import.meta.dirname, '..', '..', 'statemachines', 'lead-lifecycle.asl.json');

function replaceResult(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$states.result', '$parse($states.errorOutput.Cause)');
  if (Array.isArray(value)) return value.map(replaceResult);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceResult(v)]));
  return value;
}

function innerExpression(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const m = /^\{%\s*([\s\S]*?)\s*%\}$/.exec(String(value));
  if (m?.[1] === undefined) throw new Error(`not a JSONata expression: ${String(value)}`);
  return m[1];
}

export function buildBaseline(main: Json): Json {
  const states = main.States as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== 'Task' || !String(state.Resource).endsWith('.waitForTaskToken')) {
      out[name] = state;
      continue;
    }
    const { Catch, Assign, Output, Next, Comment, ...task } = state;
    const sla = innerExpression(state.TimeoutSeconds);
    out[name] = {
      Type: 'Parallel',
      Comment: `${String(Comment ?? '')} (Baseline: reminders from a Wait loop in the execution.)`.trim(),
      Arguments: '{% $merge([$states.input, {"requestedAtMs": $millis()}]) %}',
      Branches: [
        {
          StartAt: `Request: ${name}`,
          States: {
            [`Request: ${name}`]: { ...task, Next: `Answered: ${name}` },
            [`Answered: ${name}`]: { Type: 'Fail', Error: 'Pipeline.Answered', Cause: '{% $string($states.input) %}' },
          },
        },
        {
          StartAt: `Poll: ${name}`,
          States: {
            [`Poll: ${name}`]: { Type: 'Wait', Seconds: "{% $number('${ReminderPollSeconds}') %}", Next: `Reminder due? ${name}` },
            [`Reminder due? ${name}`]: {
              Type: 'Choice',
              Choices: [{ Condition: `{% $millis() - $states.input.requestedAtMs >= $number('\${ReminderAfterFraction}') * 1000 * (${sla}) %}`, Next: `Send reminder: ${name}` }],
              Default: `Poll: ${name}`,
            },
            [`Send reminder: ${name}`]: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Arguments: {
                FunctionName: '${RemindPendingFunctionArn}',
                Payload: { version: '0', id: '{% $uuid() %}', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '{% $split($states.context.StateMachine.Id, ":")[4] %}', time: '{% $now() %}', region: 'us-east-1', resources: [], detail: {} },
              },
              Output: '{% $states.input %}',
              Next: `Poll after reminder: ${name}`,
            },
            [`Poll after reminder: ${name}`]: { Type: 'Wait', Seconds: "{% $number('${ReminderPollSeconds}') %}", Next: `Past deadline? ${name}` },
            [`Past deadline? ${name}`]: {
              Type: 'Choice',
              Choices: [{ Condition: `{% $millis() - $states.input.requestedAtMs >= 1000 * (${sla}) %}`, Next: `Stop polling: ${name}` }],
              Default: `Poll after reminder: ${name}`,
            },
            [`Stop polling: ${name}`]: { Type: 'Succeed' },
          },
        },
      ],
      // Never taken (branch 1 always ends in Fail, branch 2 loops), but a Parallel needs one.
      Next,
      Catch: [{ ErrorEquals: ['Pipeline.Answered'], Next, ...(Assign !== undefined ? { Assign: replaceResult(Assign) } : {}), ...(Output !== undefined ? { Output: replaceResult(Output) } : {}) }, ...(Catch as Json[])],
    };
  }
  return { ...main, Comment: `${String(main.Comment ?? '')} BASELINE for cost comparison only: reminders as a Wait loop inside each wait (bench/baseline/make-baseline.ts).`.trim(), States: out };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const main = JSON.parse(readFileSync(MAIN_FILE, 'utf8')) as Json;
  writeFileSync(BASELINE_FILE, `${JSON.stringify(buildBaseline(main), null, 2)}\n`);
  process.stdout.write(`wrote ${BASELINE_FILE}\n`);
}
