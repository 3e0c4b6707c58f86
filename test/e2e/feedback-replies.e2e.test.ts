/**
 * Feedback that needs attention is emailed at once with reply links; the
 * receiving team answers from the email ("acting on it" with a note), and
 * the giving team sees the reply in the ops console. Driven over HTTP
 * against `npm start`'s runtime with the default policy (flagged).
 */
import { describe, expect, it } from 'vitest';
import { TEAM, answerLink, lead, stackForFile, submit } from './harness';

const stack = stackForFile();
const run = Date.now().toString(36);

const teamFeedbackPage = async (): Promise<string> => (await fetch(`${stack().appUrl}/team-feedback`)).text();
/** The row of the console's feedback table that mentions `text`. */
const rowWith = (page: string, text: string): string => page.split('<tr>').find((r) => r.includes(text)) ?? '';

describe('replies to flagged feedback', () => {
  it('emails flagged feedback at once with reply links; GET changes nothing, POST records the reply once', async () => {
    const id = `reply-${run}`;
    const company = `Reply Co ${run}`;
    const is = (m: { subject: string }): boolean => m.subject.includes(`(${company})`);
    const captured = await stack().postLead(lead(id, company));
    expect(captured.status).toBe(201);
    const call = await stack().mail('qualification call', (m) => is(m) && m.subject.startsWith('Qualification call'));
    const comment = `Wrong industry for us ${run}`;
    expect((await submit(answerLink(call, 'book-meeting'), { answer: 'book-meeting', 'rating.lead-fit': '1', comment })).status).toBe(200);

    // Rated 1: Marketing gets it at once, with one reply button per status on one reply link.
    const mail = await stack().mail('flagged feedback to Marketing', (m) => is(m) && m.subject.startsWith('Feedback from Inside Sales'));
    expect(mail.to).toEqual([TEAM.marketingLead]);
    expect(mail.text).toContain(comment);
    expect(mail.links.map((l) => new URL(l).searchParams.get('status'))).toEqual(['acknowledged', 'acting-on-it']);
    const [acknowledge, acting] = mail.links.map((l) => new URL(l));
    expect(acknowledge?.pathname).toBe(acting?.pathname);
    expect(acting?.pathname).toMatch(/^\/feedback\/[A-Za-z0-9_-]{43}$/);
    const link = String(acting);
    // The execution moved on to the meeting; replies never touch it.
    await stack().until(id, 'in meeting', (e) => e.currentState === 'Await meeting outcome');
    // Entering the state is not yet parked: wait until its request is out (TaskSubmitted is the last event).
    const history = (await stack().parked(String(captured.body.executionArn))).length;

    // A reply link is not a pending feedback request.
    const pending = await stack().getJson<{ url: string }[]>(`/local/pending?leadId=${id}`);
    // (Not vacuous: the meeting's own request is pending, and the reply link has a path.)
    expect(pending).not.toHaveLength(0);
    expect(acting?.pathname).toBeDefined();
    expect(pending.map((p) => new URL(p.url).pathname)).not.toContain(acting?.pathname);

    // GET (a person, or a mail scanner) shows the page and changes nothing.
    const consoleBefore = rowWith(await teamFeedbackPage(), comment);
    expect(consoleBefore).toContain('none yet');
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control') ?? '').toContain('no-store');
    const html = await page.text();
    expect(html).toContain('Reply to Inside Sales');
    expect(html).toContain(comment);
    expect(html).toContain('value="acting-on-it" required checked');
    expect((await fetch(link, { method: 'HEAD' })).status).toBe(200);
    expect(rowWith(await teamFeedbackPage(), comment)).toBe(consoleBefore);

    // Bad input is refused naming the field, and records nothing.
    const badStatus = await submit(link, { status: 'maybe-later', note: 'x' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toContain('data-field="status"');
    const noNote = await submit(link, { status: 'acting-on-it' });
    expect(noNote.status).toBe(400);
    expect(noNote.body).toContain('data-field="note"');
    expect(rowWith(await teamFeedbackPage(), comment)).toBe(consoleBefore);

    // The reply, once.
    const note = `Dropping the industry filter from the ${run} campaign`;
    const replied = await submit(link, { status: 'acting-on-it', note });
    expect(replied.status).toBe(200);
    expect(replied.body).toContain(note);
    const again = await submit(String(acknowledge), { status: 'acknowledged' });
    expect(again.status).toBe(409);
    expect(again.body).toContain(note);
    expect((await fetch(link)).status).toBe(409);

    // The giving team sees the answer beside its feedback in the console.
    const row = rowWith(await teamFeedbackPage(), comment);
    expect(row).toContain('<b>acting-on-it</b>');
    expect(row).toContain(note);
    expect(row).not.toContain('none yet');
    expect(await stack().history(String(captured.body.executionArn))).toHaveLength(history);
  }, 90_000);
});
