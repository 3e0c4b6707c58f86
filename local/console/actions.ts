/**
 * The execution page's buttons (POST /executions/{name}/actions, behind the
 * loopback guard like every local page: another site's form cannot post).
 *
 * A rescue decision (retry / reassign / return / close) answers the lead's
 * pending rescue request through the very function its email link answers
 * through (functions/lib/feedback/requests.ts submitFeedback), on the request
 * found by its hash in the table: one conditional write decides, so a button
 * and a link racing give exactly one accepted answer, and the loser sees the
 * recorded one. Stop is StopExecution; a request link of the stopped
 * execution then answers "closed" (its task no longer exists).
 */
import type { FormBody } from '#lib/feedback/steps';
import { stepDefinition } from '#lib/feedback/steps';
import { leadCard, type ConsoleData } from './data';
import { actionDonePage, executionPage } from './execution-pages';
import type { Links } from './views';

export interface ActionReply {
  status: number;
  body: string;
}

interface DomainErrorLike {
  name?: string;
  message?: string;
  field?: string;
  data?: { recorded?: { answer?: unknown } };
}

/** The lead as the page names it: "Acme · Ada Lovelace", or its id. */
async function leadLabel(data: ConsoleData, name: string): Promise<string | undefined> {
  const profile = (await data.profiles([name])).get(name);
  return profile === undefined ? undefined : leadCard(profile).label;
}

function answerLabel(value: unknown): string {
  return stepDefinition('rescue').answers.find((a) => a.value === value)?.label ?? String(value);
}

/** Answers the lead's pending rescue request as its email link would (submitFeedback on the request found by hash). */
async function rescue(data: ConsoleData, name: string, form: FormBody, links: Links): Promise<ActionReply> {
  const lead = await leadLabel(data, name);
  const page = (status: number, done: string, next: string): ActionReply => ({ status, body: actionDonePage({ name, ...(lead !== undefined ? { lead } : {}), done, next, status }, links) });
  const pending = await data.pendingLink(name, 'rescue');
  if (pending === undefined) return page(409, 'No decision is waiting', 'This lead does not wait for a rescue decision now: it was already decided, or it is elsewhere in its workflow.');
  // Imported here, not at the top: the functions' clients read the environment the stack sets before it imports them (local/stack.ts).
  const [{ lookupLinkHash }, { submitFeedback }, { formProblem }] = await Promise.all([import('#lib/feedback/links'), import('#lib/feedback/requests'), import('#lib/feedback/pages')]);
  try {
    const answer = await submitFeedback(await lookupLinkHash(pending.hash), form);
    const offered = stepDefinition('rescue').answers.find((a) => a.value === answer.answer);
    const next = answer.answer === 'reassign' ? `${String(form.reasonCode)} gets the request again, with new links, and becomes the owner.` : (offered?.next ?? '');
    return page(200, `${answerLabel(answer.answer)}: done`, next);
  } catch (error) {
    const e = error as DomainErrorLike;
    if (e.name === 'ValidationError') {
      const problem = formProblem('rescue', error as Parameters<typeof formProblem>[1]);
      const view = await data.execution(name);
      if (view === undefined) return page(404, 'No such execution', `No execution named ${name}.`);
      const values = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, (Array.isArray(v) ? v[0] : v) ?? '']));
      view.actions = { ...(view.actions ?? { canStop: false }), problem: { field: problem.field === 'details.reasonCode' ? 'reasonCode' : problem.field, message: problem.message, values } };
      return { status: 400, body: executionPage(view, links) };
    }
    if (e.name === 'Conflict') return page(409, 'Already decided', `The decision was already taken: ${answerLabel(e.data?.recorded?.answer)}. Nothing else was done.`);
    if (e.name === 'Gone') return page(410, 'This decision is closed', 'The request no longer waits for an answer: its deadline passed or the execution ended. Nothing was done.');
    throw error;
  }
}

/** POST /executions/{name}/actions: `answer` = retry | reassign (with `reasonCode`, the member) | return | close | stop. */
export async function executionAction(data: ConsoleData, name: string, body: Buffer | undefined, links: Links): Promise<ActionReply> {
  const params = new URLSearchParams(body?.toString('utf8') ?? '');
  const answer = params.get('answer') ?? '';
  if (answer === 'stop') {
    const lead = await leadLabel(data, name);
    const stopped = await data.stopExecution(name);
    const done = stopped ? 'Execution stopped' : 'The execution had already ended';
    const next = stopped ? 'It ends as aborted: no step runs after it, and any request link of this execution now answers that it is closed.' : 'Nothing was done.';
    return { status: stopped ? 200 : 409, body: actionDonePage({ name, ...(lead !== undefined ? { lead } : {}), done, next, status: stopped ? 200 : 409 }, links) };
  }
  // Only the rescue form's own fields travel on (the form parser refuses any other, naming it).
  const form: FormBody = {};
  for (const field of ['answer', 'reasonCode', 'comment']) {
    const v = params.get(field);
    if (v !== null) form[field] = v;
  }
  return rescue(data, name, form, links);
}
