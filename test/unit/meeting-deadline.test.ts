/**
 * The meeting-outcome deadline counts from the booked meeting's end: the real
 * state machine (substituted as deployed) on the embedded engine, its
 * functions stubbed. "Schedule meeting" returns the meeting's end (epoch ms,
 * 0 when no time was booked); "Await meeting outcome" waits that long past
 * its entered time plus the SLA (at least the SLA), and request-feedback is
 * told the same timeout (its link expires with the task).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, HistoryEvent, LambdaHandler } from '../../local/engine/api';
import { createEngine } from '../../local/engine/index';
import { ASL_FILE } from '../../infra/paths';
import { ASL_FUNCTION_PLACEHOLDERS, aslSubstitutions, substitute, type AslFunctionPlaceholder } from '../../infra/asl-substitutions';
import { resolveSettings } from '../../infra/settings';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SLA = 5 * 86_400; // meetingOutcomeSlaSeconds' default
const started: Engine[] = [];

afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});

interface Asked {
  step: string;
  taskToken: string;
  timeoutSeconds: number;
}

async function until<T>(what: () => T | undefined): Promise<T> {
  for (let i = 0; i < 1000; i += 1) {
    const v = what();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

/** Runs a lead to "Await meeting outcome" with Schedule meeting returning `meetingEnds(now)`; returns what request-feedback was told and the task's scheduled timeout. */
async function meetingOutcomeWait(meetingEnds: (nowMs: number) => number): Promise<{ asked: Asked; scheduledTimeout: number | undefined; enteredMs: number }> {
  const asked: Asked[] = [];
  const stubs: Partial<Record<AslFunctionPlaceholder, LambdaHandler>> = {
    QualifyLeadFunctionArn: async () => ({ route: 'sales-ready', reason: 'score-above-threshold' }),
    ScheduleMeetingFunctionArn: async () => ({ rep: 'ae1@example.com', meetingEndsMs: meetingEnds(Date.now()) }),
    RequestFeedbackFunctionArn: async (event) => {
      asked.push(event as Asked);
      return {};
    },
  };
  const arns = {} as Record<AslFunctionPlaceholder, string>;
  const lambdas = new Map<string, LambdaHandler>();
  for (const p of ASL_FUNCTION_PLACEHOLDERS) {
    arns[p] = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${p.replace(/FunctionArn$/, '')}`;
    lambdas.set(arns[p], stubs[p] ?? (async () => ({})));
  }
  const engine = createEngine({ lambdas, region: REGION, accountId: ACCOUNT });
  started.push(engine);
  await engine.start();
  const definition = substitute(readFileSync(ASL_FILE, 'utf8'), aslSubstitutions(resolveSettings({}), arns, 'aws'));
  const { stateMachineArn } = await engine.createStateMachine({ name: 'lead-lifecycle', definition, roleArn: `arn:aws:iam::${ACCOUNT}:role/lead-lifecycle` });
  const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ leadId: 'lead-1' }) });
  const call = await until(() => asked.find((a) => a.step === 'qualification-call'));
  await engine.sendTaskSuccess({ taskToken: call.taskToken, output: JSON.stringify({ step: 'qualification-call', answer: 'book-meeting', ratings: {}, details: {}, answeredAt: '2026-12-07T00:00:00.000Z', answeredBy: 'owner' }) });
  const meeting = await until(() => asked.find((a) => a.step === 'meeting-outcome'));
  const events: HistoryEvent[] = (await engine.getExecutionHistory({ executionArn, maxResults: 1000 })).items;
  const entered = events.filter((e) => e.type === 'TaskStateEntered' && (e.stateEnteredEventDetails as { name: string }).name === 'Await meeting outcome').at(-1);
  const scheduled = events.filter((e) => e.type === 'TaskScheduled').at(-1);
  return {
    asked: meeting,
    scheduledTimeout: (scheduled?.taskScheduledEventDetails as { timeoutInSeconds?: number } | undefined)?.timeoutInSeconds,
    enteredMs: new Date(entered?.timestamp ?? 0).getTime(),
  };
}

describe('"Await meeting outcome" waits from the meeting\'s end', () => {
  it('a meeting three days ahead: three days (to the end) plus the SLA, the same in the task and in the request', async () => {
    let endsMs = 0;
    const { asked, scheduledTimeout, enteredMs } = await meetingOutcomeWait((now) => {
      endsMs = now + 3 * 86_400_000;
      return endsMs;
    });
    const expected = Math.round((endsMs - enteredMs) / 1000) + SLA;
    expect(asked.timeoutSeconds).toBe(expected);
    expect(scheduledTimeout).toBe(expected);
    // Entered within seconds of Schedule meeting's answer: about 8 days in all.
    expect(Math.abs(asked.timeoutSeconds - (3 * 86_400 + SLA))).toBeLessThan(60);
  });

  it('no time booked (0), or a meeting already over: the SLA from now', async () => {
    expect((await meetingOutcomeWait(() => 0)).asked.timeoutSeconds).toBe(SLA);
    expect((await meetingOutcomeWait((now) => now - 86_400_000)).asked.timeoutSeconds).toBe(SLA);
  });
});
