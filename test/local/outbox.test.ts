import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractLinks, Outbox, readOutboxFile, readOutboxTail, type SesStoreAccess, type SesStoreModule, type SesStoredEmail } from '../../local/outbox';

function fakeSes(): SesStoreAccess & { emails: SesStoredEmail[] } {
  const emails: SesStoredEmail[] = [];
  return { emails, getStoreReadonly: () => ({ emails }), saveEmail: (e) => emails.push(e) };
}

function mail(id: string, text: string, html = ''): SesStoredEmail {
  return { messageId: id, from: 'pipeline@example.com', replyTo: [], destination: { to: ['rep@example.com'], cc: [], bcc: [] }, subject: `Subject ${id}`, body: { text, html }, attachments: [], at: 1_800_000_000 };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('outbox', () => {
  it('extracts http links from the HTML hrefs and the text, decoded and without duplicates', () => {
    const links = extractLinks('Answer: http://127.0.0.1:3000/feedback/abc?answer=won.\nOr (http://h/x)', '<a href="http://127.0.0.1:3000/feedback/abc?answer=won&amp;x=1">Won</a><a href="mailto:x@y">m</a>');
    expect(links).toEqual(['http://127.0.0.1:3000/feedback/abc?answer=won&x=1', 'http://127.0.0.1:3000/feedback/abc?answer=won', 'http://h/x']);
  });

  it('writes each mail to the file as the SES store saves it, once attached', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const module = { ...ses, saveEmail: ses.saveEmail } as SesStoreAccess & Record<string, unknown>;
    const box = new Outbox(file, module);
    const detach = box.attach(module);
    module.saveEmail(mail('m1', 'see http://a/1'));
    expect(readFileSync(file, 'utf8')).toContain('"id":"m1"');
    detach();
    module.saveEmail(mail('m2', 'x'));
    expect(readFileSync(file, 'utf8')).not.toContain('"id":"m2"');
  });

  it('saves new mail to the file and puts it back into a fresh SES store after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const box = new Outbox(file, ses);
    expect(box.load()).toBe(0);
    ses.emails.push(mail('m1', 'see http://a/1'), mail('m2', 'see http://a/2'));
    expect(box.all().map((m) => m.id)).toEqual(['m1', 'm2']);
    box.sync();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    appendFileSync(file, '{"torn');

    const ses2 = fakeSes();
    const box2 = new Outbox(file, ses2);
    expect(box2.load()).toBe(2);
    expect(ses2.emails.map((e) => e.messageId)).toEqual(['m1', 'm2']);
    expect(box2.all()[1]).toMatchObject({ id: 'm2', to: ['rep@example.com'], links: ['http://a/2'], sentAt: new Date(1_800_000_000_000).toISOString() });
  });

  it('trims the SES store to the latest mails once they are in the file, and reads every mail from the file, in order, after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const module = { ...ses, saveEmail: ses.saveEmail } as SesStoreModule;
    const box = new Outbox(file, module, { viewerMails: 3 });
    box.load();
    box.attach(module);
    for (let i = 1; i <= 10; i += 1) module.saveEmail(mail(`m${i}`, `see http://a/${i}`));
    // the SES store (its viewer) keeps the latest 3; the file and all() have the 10
    expect(ses.emails.map((e) => e.messageId)).toEqual(['m8', 'm9', 'm10']);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(10);
    const ids = Array.from({ length: 10 }, (_, i) => `m${i + 1}`);
    expect(box.all().map((m) => m.id)).toEqual(ids);

    // a restart: a fresh store gets the latest 3 back, the outbox reads the 10 from the file
    const ses2 = fakeSes();
    const box2 = new Outbox(file, ses2, { viewerMails: 3 });
    expect(box2.load()).toBe(3);
    expect(ses2.emails.map((e) => e.messageId)).toEqual(['m8', 'm9', 'm10']);
    const again = box2.all();
    expect(again.map((m) => m.id)).toEqual(ids);
    expect(again[4]).toMatchObject({ id: 'm5', links: ['http://a/5'] });
    // nothing it put back is written twice
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(10);
  });

  it('never trims a mail from the SES store before it is in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const module = { ...ses, saveEmail: ses.saveEmail } as SesStoreModule;
    const box = new Outbox(file, module, { viewerMails: 1 });
    // stored behind the outbox's back (before attach): only sync() saves them
    ses.emails.push(mail('a', 'x'), mail('b', 'y'));
    box.attach(module);
    module.saveEmail(mail('c', 'z'));
    expect(ses.emails.map((e) => e.messageId)).toEqual(['a', 'b', 'c']);
    expect(box.all().map((m) => m.id)).toEqual(['c', 'a', 'b']);
    expect(ses.emails.map((e) => e.messageId)).toEqual(['c']);
  });

  it('reads the last mails of a large file from its end, the same as the whole file ends with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const module = { ...ses, saveEmail: ses.saveEmail } as SesStoreModule;
    new Outbox(file, module).attach(module);
    // about 1.5 MB: the tail spans several 256 KB reads
    for (let i = 0; i < 300; i += 1) module.saveEmail(mail(`m${i}`, `${'x'.repeat(5000)} http://a/${i}`));
    appendFileSync(file, '{"torn');
    const all = readOutboxFile(file);
    expect(all).toHaveLength(300);
    for (const n of [1, 7, 250, 400]) expect(readOutboxTail(file, n).map((m) => m.id)).toEqual(all.slice(-n).map((m) => m.id));
  });

  it('keeps each attachment: a text one (an .ics) as its text, another as base64; both survive a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    dirs.push(dir);
    const file = join(dir, 'outbox.jsonl');
    const ses = fakeSes();
    const box = new Outbox(file, ses);
    box.load();
    const ics = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n';
    ses.emails.push({
      ...mail('m1', 'invite'),
      attachments: [
        { filename: 'meeting.ics', contentType: 'text/calendar; method=REQUEST', content: Buffer.from(ics).toString('base64'), size: ics.length },
        { filename: 'logo.png', contentType: 'image/png', content: 'iVBORw0=', size: 5 },
      ],
    });
    expect(box.all()[0]?.attachments).toEqual([
      { fileName: 'meeting.ics', contentType: 'text/calendar; method=REQUEST', content: ics, encoding: 'utf8', size: ics.length },
      { fileName: 'logo.png', contentType: 'image/png', content: 'iVBORw0=', encoding: 'base64', size: 5 },
    ]);
    const ses2 = fakeSes();
    new Outbox(file, ses2).load();
    expect(ses2.emails[0]?.attachments.map((a) => [a.filename, a.contentType, a.content])).toEqual([
      ['meeting.ics', 'text/calendar; method=REQUEST', Buffer.from(ics).toString('base64')],
      ['logo.png', 'image/png', 'iVBORw0='],
    ]);
  });
});
