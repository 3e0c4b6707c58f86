/**
 * The outbox: every email the handlers sent through the local SES
 * (aws-ses-v2-local keeps them in memory only), kept in a JSON-lines file in
 * the data folder so a restart loses no feedback link. On start the saved
 * mails are put back into the SES store, so its viewer shows them too.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

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
    attachments: [],
    at: Math.floor(Date.parse(mail.sentAt) / 1000),
  };
}

export interface SesStoreAccess {
  getStoreReadonly(): { emails: readonly SesStoredEmail[] };
  saveEmail(email: SesStoredEmail): void;
}

/** The store module's exports object, whose saveEmail the SES server calls through (writable). */
export type SesStoreModule = SesStoreAccess & Record<string, unknown>;

/** Reads and keeps the outbox file in step with the SES store. */
export class Outbox {
  private readonly mails: OutboxMail[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly ses: SesStoreAccess,
  ) {}

  /** Loads the saved mails and puts them back into the SES store. Bad lines (a torn write) are skipped. */
  load(): number {
    if (!existsSync(this.file)) return 0;
    const inStore = new Set(this.ses.getStoreReadonly().emails.map((e) => e.messageId));
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let mail: OutboxMail;
      try {
        mail = JSON.parse(line) as OutboxMail;
      } catch {
        continue;
      }
      if (typeof mail.id !== 'string' || this.seen.has(mail.id)) continue;
      this.seen.add(mail.id);
      this.mails.push(mail);
      if (!inStore.has(mail.id)) this.ses.saveEmail(toSes(mail));
    }
    return this.mails.length;
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
    };
    module.saveEmail = wrapped;
    return () => {
      if (module.saveEmail === wrapped) module.saveEmail = original;
    };
  }

  /** Appends one mail the SES store just took (the store is not scanned: that made each send O(mails sent)). */
  private save(email: SesStoredEmail): void {
    if (this.seen.has(email.messageId)) return;
    this.seen.add(email.messageId);
    const mail = fromSes(email);
    appendFileSync(this.file, `${JSON.stringify(mail)}\n`);
    this.mails.push(mail);
  }

  /** Appends the mails the SES store has and the file lacks. Synchronous, so a reader sees only saved mail. */
  sync(): void {
    const fresh: OutboxMail[] = [];
    for (const email of this.ses.getStoreReadonly().emails) {
      if (this.seen.has(email.messageId)) continue;
      this.seen.add(email.messageId);
      fresh.push(fromSes(email));
    }
    if (fresh.length === 0) return;
    appendFileSync(this.file, fresh.map((m) => `${JSON.stringify(m)}\n`).join(''));
    this.mails.push(...fresh);
  }

  /** Every mail, oldest first. */
  all(): readonly OutboxMail[] {
    this.sync();
    return this.mails;
  }
}
