/**
 * Issue 14 in the local tools: the console shows values without bidi
 * controls (the same displayText as the emails), the outbox and the console
 * offer only links into the app (a mail's text holds lead input), and the
 * CSV import applies the one text rule of every edge.
 */
import { describe, expect, it } from 'vitest';
import { rowToLead } from '../../local/cli';
import { ConsoleData } from '../../local/console/data';
import { esc, html } from '../../local/console/html';
import { feedbackPage, outboxPage } from '../../local/console/pages';
import { appLinks, isUnder, type OutboxMail } from '../../local/outbox';
import { NOT_SINGLE_LINE, NOT_WELL_FORMED } from '#lib/core/text';

const HAS_BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const APP = 'http://127.0.0.1:3000';

describe('console: no bidi controls in what it shows', () => {
  it('esc and html drop them, keep the text', () => {
    const name = 'Mallory \u202Egnp.exe\u202C \u2067x\u2069';
    expect(esc(name)).toBe('Mallory gnp.exe x');
    expect(html`<p>${name}</p>`.value).not.toMatch(HAS_BIDI);
    const page = feedbackPage([{ team: 'marketing', items: [{ leadId: 'l', fromTeam: 'inside-sales', toTeam: 'marketing', step: 'qualification-call', answer: 'a', comment: name, ratings: [], details: [['moreOf', name]], campaign: name, at: new Date(0).toISOString() }] }]);
    expect(page).not.toMatch(HAS_BIDI);
    expect(outboxPage([{ id: '1', to: ['a@example.com'], subject: `Call for ${name}`, text: name, links: [], sentAt: new Date(0).toISOString() }])).not.toMatch(HAS_BIDI);
  });
});

describe('outbox and console: only the app\'s own links are actions', () => {
  it('a link is under a base when it has its origin and lies within its path', () => {
    expect(isUnder(`${APP}/feedback/abc?answer=won`, APP)).toBe(true);
    expect(isUnder('https://pipeline.example.com/prod/feedback/x', 'https://pipeline.example.com/prod')).toBe(true);
    for (const link of ['https://evil.example/feedback/abc', 'http://127.0.0.1:3001/feedback/x', 'https://127.0.0.1:3000/feedback/x', `http://127.0.0.1:3000.evil.example/x`, 'https://pipeline.example.com/production/x', 'not a url']) {
      expect(isUnder(link, link.startsWith('https://pipeline') ? 'https://pipeline.example.com/prod' : APP), link).toBe(false);
    }
    expect(appLinks([`${APP}/feedback/a`, 'https://evil.example/feedback/a', 'https://tunnel.example/feedback/b'], [APP, 'https://tunnel.example'])).toEqual([`${APP}/feedback/a`, 'https://tunnel.example/feedback/b']);
  });

  it('/local/outbox, the outbox page and the pending list drop a lead\'s own links', async () => {
    const mail: OutboxMail = {
      id: 'm1', from: 'p@example.com', to: ['sdr1@example.com'], cc: [], subject: 'Qualification call for Mallory', html: '',
      text: `Message: see https://evil.example/feedback/abc\nBook a meeting: ${APP}/feedback/abc?answer=book-meeting`,
      links: ['https://evil.example/feedback/abc', `${APP}/feedback/abc?answer=book-meeting`], sentAt: new Date(0).toISOString(),
    };
    const gets: unknown[] = [];
    const doc = { send: async (command: { input: unknown }) => (gets.push(command.input), { Item: undefined }) };
    const data = new ConsoleData({ engine: {} as never, doc: doc as never, tableName: 't', stateMachineArn: 'arn:sm', outbox: { all: () => [mail] } as never, appBaseUrls: [APP], definition: '{}' });
    const [item] = data.outbox();
    expect(item?.links).toEqual([`${APP}/feedback/abc?answer=book-meeting`]);
    const page = outboxPage(data.outbox());
    expect(page).not.toContain('href="https://evil.example');
    expect(page).toContain(`href="${APP}/feedback/abc?answer=book-meeting"`);
    // The text still shows the lead's link, as text.
    expect(page).toContain('https://evil.example/feedback/abc');
    await data.pending();
    expect(gets).toHaveLength(1); // only the app's link is looked up
  });
});

describe('CSV import: the one text rule', () => {
  it('reports a lone surrogate or a control character naming the column, and does not send the row', () => {
    expect(rowToLead({ name: 'Lone \ud83d Surrogate', email: 'a@x.io' }).problems).toEqual([`name: ${NOT_WELL_FORMED}`]);
    expect(rowToLead({ company: 'Acme\u0085Corp' }).problems).toEqual([`company: ${NOT_SINGLE_LINE}`]);
    expect(rowToLead({ name: 'two\nlines' }).problems).toEqual([`name: ${NOT_SINGLE_LINE}`]);
    expect(rowToLead({ message: 'two\nlines\tok' }).problems).toEqual([]);
    expect(rowToLead({ message: 'bad\u009bcsi' }).problems).toEqual(['message: must not contain control characters']);
  });
});
