/**
 * The outbox: every email the handlers sent through the local SES, kept in a
 * JSON-lines file in the data folder (<data>/outbox.jsonl) so a restart loses
 * no feedback link. The file is the record: mails are read from it when asked
 * for, not held in memory (10,000 parked leads would keep 10,000 request mails
 * in the heap), and aws-ses-v2-local's own store, which would keep every mail
 * in memory for its viewer, is trimmed to the latest few once they are saved.
 * On start the latest saved mails are put back into that store for the viewer.
 * The file holds live feedback links: it is readable by its owner only (0600).
 */
import { appendFileSync, chmodSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

/** The outbox file's mode: its links answer feedback requests, so no other user of the machine reads them. */
const FILE_MODE = 0o600;

/** A file sent with a mail: a text type's content as text (an .ics reads as itself), any other type's as base64. */
export interface OutboxAttachment {
  fileName: string;
  /** As sent, parameters included (`text/calendar; method=REQUEST; charset=UTF-8`). */
  contentType: string;
  content: string;
  encoding: 'utf8' | 'base64';
  /** Bytes. */
  size: number;
}

export interface OutboxMail {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  /** http(s) links found in the text and HTML parts, in order, without duplicates. */
  links: string[];
  /** Its attachments (absent in mails an older version saved). */
  attachments?: OutboxAttachment[];
  /** ISO time the local SES accepted it. */
  sentAt: string;
}

/** The shape aws-ses-v2-local stores (its `Email` type, the members used here). */
export interface SesStoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string | undefined; text?: string | undefined };
  attachments: { content: string; contentType: string; filename?: string | undefined; size: number }[];
  at: number; // epoch seconds
}

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, e: string) => HTML_ENTITIES[e] ?? '');
}

/** The http(s) links of a mail: hrefs of the HTML part, then URLs in the text part. */
export function extractLinks(text: string, html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    const url = decodeEntities(m[1] ?? m[2] ?? '');
    if (/^https?:\/\//i.test(url)) found.push(url);
  }
  for (const m of text.matchAll(/https?:\/\/[^\s<>"')\]]+/gi)) found.push(m[0].replace(/[.,;:!?]+$/, ''));
  return [...new Set(found)];
}

/**
 * Is `link` under `base` (same origin, and within its path)? A mail's text
 * holds lead input, so a link in it may point anywhere (`https://evil.example/...`).
 */
export function isUnder(link: string, base: string): boolean {
  try {
    const u = new URL(link);
    const b = new URL(base);
    const prefix = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
    return u.origin === b.origin && (u.pathname === b.pathname || u.pathname.startsWith(prefix));
  } catch {
    return false;
  }
}

/** The links of a mail that lead into the app (under one of `bases`): the only ones the outbox and the console offer to click. */
export function appLinks(links: readonly string[], bases: readonly string[]): string[] {
  return links.filter((l) => bases.some((b) => isUnder(l, b)));
}

const isText = (contentType: string): boolean => /^text\//i.test(contentType.trim());

/** An attachment as the SES store keeps it (base64 content) in the outbox's form. */
export function outboxAttachment(a: SesStoredEmail['attachments'][number]): OutboxAttachment {
  const bytes = Buffer.from(a.content, 'base64');
  const text = isText(a.contentType);
  return { fileName: a.filename ?? 'attachment', contentType: a.contentType, content: text ? bytes.toString('utf8') : a.content, encoding: text ? 'utf8' : 'base64', size: bytes.length };
}

export function fromSes(email: SesStoredEmail): OutboxMail {
  const text = email.body.text ?? '';
  const html = email.body.html ?? '';
  return {
    id: email.messageId,
    from: email.from,
    to: [...email.destination.to],
    cc: [...email.destination.cc],
    subject: email.subject,
    text,
    html,
    links: extractLinks(text, html),
    attachments: (email.attachments ?? []).map(outboxAttachment),
    sentAt: new Date(email.at * 1000).toISOString(),
  };
}

export function toSes(mail: OutboxMail): SesStoredEmail {
  return {
    messageId: mail.id,
    from: mail.from,
    replyTo: [],
    destination: { to: mail.to, cc: mail.cc, bcc: [] },
    subject: mail.subject,
    body: { text: mail.text, html: mail.html === '' ? undefined : mail.html },
    attachments: (mail.attachments ?? []).map((a) => {
      const content = a.encoding === 'utf8' ? Buffer.from(a.content, 'utf8').toString('base64') : a.content;
      return { filename: a.fileName, contentType: a.contentType, content, size: a.size };
    }),
    at: Math.floor(Date.parse(mail.sentAt) / 1000),
  };
}

export interface SesStoreAccess {
  /** The store's state (aws-ses-v2-local returns the object itself: its emails array is the one its viewer reads). */
  getStoreReadonly(): { emails: SesStoredEmail[] };
  saveEmail(email: SesStoredEmail): void;
}

/** The store module's exports object, whose saveEmail the SES server calls through (writable). */
export type SesStoreModule = SesStoreAccess & Record<string, unknown>;

/** How many of the latest mails the SES store keeps for its viewer (the outbox file has them all). */
export const VIEWER_MAILS = 200;

/** The mails of an outbox file, oldest first; bad lines (a torn write) and repeated ids are skipped. */
export function readOutboxFile(file: string): OutboxMail[] {
  return existsSync(file) ? parseLines(readFileSync(file, 'utf8').split('\n')) : [];
}

/** The last `count` lines' mails of an outbox file, read from its end (a restart does not read 10,000 mails to show 200). */
export function readOutboxTail(file: string, count: number): OutboxMail[] {
  if (!existsSync(file) || count <= 0) return [];
  const fd = openSync(file, 'r');
  try {
    let pos = fstatSync(fd).size;
    let tail = Buffer.alloc(0);
    let newlines = 0;
    while (pos > 0 && newlines <= count) {
      const size = Math.min(pos, 1 << 18);
      pos -= size;
      const chunk = Buffer.alloc(size);
      readSync(fd, chunk, 0, size, pos);
      for (const byte of chunk) if (byte === 0x0a) newlines += 1;
      tail = Buffer.concat([chunk, tail]);
    }
    const lines = tail.toString('utf8').split('\n');
    if (pos > 0) lines.shift(); // the first line is cut
    return parseLines(lines.slice(-count - 1)).slice(-count);
  } finally {
    closeSync(fd);
  }
}

function parseLines(lines: string[]): OutboxMail[] {
  const mails: OutboxMail[] = [];
  const ids = new Set<string>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    let mail: OutboxMail;
    try {
      mail = JSON.parse(line) as OutboxMail;
    } catch {
      continue;
    }
    if (typeof mail.id !== 'string' || ids.has(mail.id)) continue;
    ids.add(mail.id);
    mails.push(mail);
  }
  return mails;
}

/** Keeps the outbox file in step with the SES store, and the store small. */
export class Outbox {
  /** Emails of the SES store already in the file (the objects: no id per mail sent stays in memory). */
  private readonly saved = new WeakSet<SesStoredEmail>();
  private readonly keep: number;

  constructor(
    private readonly file: string,
    private readonly ses: SesStoreAccess,
    options: { viewerMails?: number } = {},
  ) {
    this.keep = options.viewerMails ?? VIEWER_MAILS;
  }

  /** Puts the latest saved mails back into the SES store (for its viewer), reading only the end of the file. Returns how many. */
  load(): number {
    // The file exists from the start, owner-only (also one an older version left readable).
    closeSync(openSync(this.file, 'a', FILE_MODE));
    chmodSync(this.file, FILE_MODE);
    const mails = readOutboxTail(this.file, this.keep);
    const inStore = new Set(this.ses.getStoreReadonly().emails.map((e) => e.messageId));
    for (const mail of mails) {
      if (inStore.has(mail.id)) continue;
      const email = toSes(mail);
      this.saved.add(email);
      this.ses.saveEmail(email);
    }
    this.trim();
    return mails.length;
  }

  /**
   * Saves every mail to the file as the SES server stores it, before it
   * answers SendEmail: a crash right after a send cannot lose the mail (and
   * its links). The server calls `store.saveEmail` through the module's
   * exports, so wrapping that property is enough. Returns the undo.
   */
  attach(module: SesStoreModule): () => void {
    const original = module.saveEmail;
    const wrapped = (email: SesStoredEmail): void => {
      original(email);
      this.save(email);
      this.trim();
    };
    module.saveEmail = wrapped;
    return () => {
      if (module.saveEmail === wrapped) module.saveEmail = original;
    };
  }

  /** Appends one mail the SES store just took (the store is not scanned: that made each send O(mails sent)). */
  private save(email: SesStoredEmail): void {
    if (this.saved.has(email)) return;
    this.saved.add(email);
    appendFileSync(this.file, `${JSON.stringify(fromSes(email))}\n`, { mode: FILE_MODE });
  }

  /** Drops the oldest mails of the SES store once saved, keeping the latest `viewerMails`. */
  private trim(): void {
    const emails = this.ses.getStoreReadonly().emails;
    let drop = emails.length - this.keep;
    if (drop <= 0) return;
    // never drop a mail the file lacks (sync() saves those)
    for (let i = 0; i < drop; i += 1) {
      if (!this.saved.has(emails[i]!)) {
        drop = i;
        break;
      }
    }
    if (drop > 0) emails.splice(0, drop);
  }

  /** Appends the mails the SES store has and the file lacks. Synchronous, so a reader sees only saved mail. */
  sync(): void {
    const fresh: OutboxMail[] = [];
    for (const email of this.ses.getStoreReadonly().emails) {
      if (this.saved.has(email)) continue;
      this.saved.add(email);
      fresh.push(fromSes(email));
    }
    if (fresh.length > 0) appendFileSync(this.file, fresh.map((m) => `${JSON.stringify(m)}\n`).join(''), { mode: FILE_MODE });
    this.trim();
  }

  /** Every mail, oldest first, read from the file. */
  all(): OutboxMail[] {
    this.sync();
    return readOutboxFile(this.file);
  }
}
