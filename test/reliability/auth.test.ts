/**
 * POST /leads, DELETE /leads/{id} and GET /funnel refuse a missing, empty,
 * malformed, wrongly-schemed or wrong bearer key with 401 and
 * `WWW-Authenticate: Bearer`, and do no work (no item written, no execution
 * started, no mail), against the running local stack: the functions check
 * the key first (functions/lib/aws/api-key.ts), as on AWS. The key comparison's
 * timing is measured (prefix-matching vs unrelated wrong keys) and printed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, lead } from '../e2e/harness';
import { Stack, jsonOf, recordFigures } from './support';

let stack: Stack;
const run = Date.now().toString(36);
let tried = 0;

beforeAll(async () => {
  stack = await Stack.start();
}, 150_000);

afterAll(async () => {
  recordFigures({ inputsTried: tried });
  if (stack !== undefined) await stack.stop();
}, 60_000);

/** Accepted: `Bearer <key>`, scheme in any case, surrounding blanks trimmed. */
const isTheKey = (h: string): boolean => new RegExp(`^bearer ${API_KEY}$`, 'i').test(h.trim()) && h.trim().endsWith(API_KEY);

type KeyedRoute = 'leads' | 'funnel' | 'delete';
const ROUTES: readonly KeyedRoute[] = ['leads', 'funnel', 'delete'];

async function call(route: KeyedRoute, authorization: string | undefined): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const init: RequestInit =
    route === 'leads' ? { method: 'POST', headers, body: JSON.stringify(lead(`auth-${run}-${tried}`, 'Auth')) } : route === 'delete' ? { method: 'DELETE', headers } : { headers };
  const res = await fetch(`${stack.url}/${route === 'delete' ? `leads/${victim}` : route}`, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function expectRefused(r: { status: number; headers: Headers; text: string }, what: string): void {
  expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBe(401);
  expect(r.headers.get('www-authenticate'), what).toBe('Bearer');
  // Only a message: no lead, no funnel figures, no erasure result.
  expect(Object.keys(jsonOf(r.text) ?? {}), what).toEqual(['message']);
}

/** A lead the DELETE attempts aim at (it must survive them all). */
const victim = `auth-victim-${run}`;

describe('authentication', () => {
  it('a missing, empty or blank Authorization header: 401, nothing done', async () => {
    expect((await stack.server.postLead(lead(victim, `Victim ${run}`))).status).toBe(201);
    await stack.server.until(victim, 'waiting for the call', (e) => e.currentState === 'Await qualification call');
    await stack.server.mail('the call request', (m) => m.subject.includes(`(Victim ${run})`));
    const before = await stack.fingerprint();
    for (const route of ROUTES) {
      for (const h of [undefined, '', '   ']) {
        tried += 1;
        expectRefused(await call(route, h), `${route} ${JSON.stringify(h)}`);
      }
    }
    expect(await stack.fingerprint()).toEqual(before);
  }, 150_000);

  it('wrong, malformed and wrongly-schemed keys (fixed and arbitrary): 401, nothing done', async () => {
    const before = await stack.fingerprint();
    const fixed = [
      `Bearer ${API_KEY.slice(0, -1)}`,
      `Bearer ${API_KEY}x`,
      `Bearer ${API_KEY.toUpperCase()}`,
      `Bearer  ${API_KEY}`,
      `Bearer ${API_KEY} ${API_KEY}`,
      `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`,
      `Token ${API_KEY}`,
      `Digest ${API_KEY}`,
      API_KEY,
      'Bearer',
      'Bearer ',
      `Bearer\t${API_KEY}`,
      `Bearer ${'a'.repeat(5000)}`,
      `Bearer ${API_KEY},Bearer ${API_KEY}`,
      'Bearer ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ',
    ];
    for (const route of ROUTES) {
      for (const h of fixed) {
        tried += 1;
        expectRefused(await call(route, h), `${route} ${h.slice(0, 40)}`);
      }
    }
    const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 80 });
    const header = fc.oneof(latin1, latin1.map((s) => `Bearer ${s}`), fc.tuple(fc.nat({ max: API_KEY.length }), latin1).map(([n, s]) => `Bearer ${API_KEY.slice(0, n)}${s}`));
    await fc.assert(
      fc.asyncProperty(header.filter((h) => h.trim() !== '' && !isTheKey(h)), fc.constantFrom(...ROUTES), async (h, route) => {
        tried += 1;
        expectRefused(await call(route, h), `${route} ${JSON.stringify(h)}`);
      }),
      { numRuns: 100 },
    );
    expect(await stack.fingerprint()).toEqual(before);
    expect((await stack.profile(victim))?.email).toBeDefined();
    // The right key still works (the refusals above were not an outage).
    const ok = await fetch(`${stack.url}/funnel`, { headers: { authorization: `bearer ${API_KEY}` } });
    expect(ok.status).toBe(200);
  }, 90_000);

  it('wrong keys are refused in the same time whether or not they share a prefix with the key (printed)', async () => {
    const kinds: Record<string, string> = {
      'shares all but the last char': `${API_KEY.slice(0, -1)}${API_KEY.endsWith('z') ? 'y' : 'z'}`,
      'shares nothing': 'Z'.repeat(API_KEY.length),
      'shorter, unrelated': 'Zq9-short-key-0000',
    };
    const times: Record<string, number[]> = {};
    for (let i = 0; i < 80; i += 1) {
      for (const [kind, key] of Object.entries(kinds)) {
        const t0 = performance.now();
        const r = await fetch(`${stack.url}/funnel`, { headers: { authorization: `Bearer ${key}` } });
        await r.text();
        (times[kind] ??= []).push(performance.now() - t0);
        expect(r.status).toBe(401);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(`GET /funnel with a wrong key, 80 requests each (median ms):\n${Object.entries(times).map(([k, xs]) => `  ${k.padEnd(30)} ${median(xs).toFixed(2)}`).join('\n')}`);
    for (const xs of Object.values(times)) expect(median(xs)).toBeLessThan(250);
  }, 60_000);
});
