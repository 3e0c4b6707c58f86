/**
 * Answering feedback requests over HTTP as a person would with the form on
 * the feedback page (`POST /feedback/{id}`, urlencoded), for the CLI, the
 * demo seeding and the end-to-end tests. Also: adding leads through
 * `POST /leads` and reading the local JSON endpoints.
 */
import { FEEDBACK_STEPS, type FeedbackStep } from '#lib/core/contracts';
import type { PendingRequest } from './console/data';

export interface HttpAnswer {
  status: number;
  body: string;
}

export function isFeedbackStep(step: string): step is FeedbackStep {
  return (FEEDBACK_STEPS as readonly string[]).includes(step);
}

/** POSTs the feedback form of a request page. `url` may carry the `?answer=` of an email link: it is dropped. */
export async function submitFeedback(url: string, fields: Record<string, string>): Promise<HttpAnswer> {
  const u = new URL(url);
  const res = await fetch(`${u.origin}${u.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text() };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${new URL(url).pathname}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function postLead(appUrl: string, apiKey: string, lead: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${appUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(lead),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

/** Waits (polling, bounded) for a lead's pending request, optionally for a given step. */
export async function waitForPending(appUrl: string, leadId: string, step?: string, timeoutMs = 15_000): Promise<PendingRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await getJson<PendingRequest[]>(`${appUrl}/local/pending?leadId=${encodeURIComponent(leadId)}`);
    const hit = pending.filter((p) => step === undefined || p.step === step).pop();
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no pending ${step ?? 'feedback'} request for lead ${leadId} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

