/**
 * The local SES sandbox layer (local/ses-sandbox.ts) in front of
 * aws-ses-v2-local, driven through the AWS SDK as the functions and the
 * preflight drive it: refusals shaped as SES's (MessageRejected, the failing
 * identities in its message) for SES v1 SendEmail / SendRawEmail and SESv2
 * SendEmail, the mailer's reading of them (functions/lib/mail/refusals.ts),
 * and GetAccount / ListEmailIdentities / GetEmailIdentity; what SES refuses in
 * a message's content (local/ses-limits.ts): an attachment of an unsupported
 * type, a message over the size limit (10 MB with v1, 40 MB with v2).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { SESClient, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetEmailIdentityCommand, ListEmailIdentitiesCommand, SESv2Client, SendEmailCommand as SendEmailV2Command } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingIdentities, isVerified, startSesSandbox, type SesSandbox } from '../../local/ses-sandbox';
import { MAX_MESSAGE_BYTES, mimeAttachmentNames, unsupportedExtension } from '../../local/ses-limits';
import { mailRefusal } from '#lib/mail/refusals';
import { PermanentMailError } from '#lib/core/errors';

const require = createRequire(import.meta.url);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const VERIFIED = ['pipeline@corp.test', 'ops@corp.test', 'team.test'];

let emulator: Server;
let sandbox: SesSandbox;
let production: SesSandbox;
let v1: SESClient;
let v2: SESv2Client;

beforeAll(async () => {
  const start = (require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }).default;
  emulator = await start({ host: '127.0.0.1', port: 0 });
  const upstream = `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`;
  sandbox = await startSesSandbox({ upstream, region: 'eu-west-1', sandbox: true, verifiedIdentities: VERIFIED });
  production = await startSesSandbox({ upstream, region: 'eu-west-1', sandbox: false, verifiedIdentities: VERIFIED });
  v1 = new SESClient({ endpoint: sandbox.url, region: 'eu-west-1', credentials });
  v2 = new SESv2Client({ endpoint: sandbox.url, region: 'eu-west-1', credentials });
});

afterAll(async () => {
  v1?.destroy();
  v2?.destroy();
  await sandbox?.close();
  await production?.close();
  emulator?.closeAllConnections();
  await new Promise<void>((done) => (emulator ? emulator.close(() => done()) : done()));
});

const message = { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hi' } } };

async function refusal(send: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await send;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the send was accepted');
}

describe('verified identities', () => {
  it('an address matches itself, a domain every address at it (and its subdomains)', () => {
    expect(isVerified('OPS@corp.test', VERIFIED)).toBe(true);
    expect(isVerified('Ops <ops@corp.test>', VERIFIED)).toBe(true);
    expect(isVerified('anyone@team.test', VERIFIED)).toBe(true);
    expect(isVerified('a@eu.team.test', VERIFIED)).toBe(true);
    expect(isVerified('other@corp.test', VERIFIED)).toBe(false);
    expect(isVerified('a@notteam.test', VERIFIED)).toBe(false);
  });

  it('names the sender (as given and its address) first, then, in the sandbox only, each unverified recipient', () => {
    const send = { from: 'Bot <bot@corp.test>', recipients: ['x@else.test', 'ops@corp.test', 'success@simulator.amazonses.com'] };
    expect(failingIdentities(send, { sandbox: true, verifiedIdentities: VERIFIED })).toEqual(['Bot <bot@corp.test>', 'bot@corp.test', 'x@else.test']);
    expect(failingIdentities(send, { sandbox: false, verifiedIdentities: VERIFIED })).toEqual(['Bot <bot@corp.test>', 'bot@corp.test']);
  });
});

describe('the local SES in the sandbox', () => {
  it('refuses a v1 SendEmail to an unverified Cc as SES does, and the mailer reads it as a permanent refusal naming the address', async () => {
    const error = await refusal(
      v1.send(new SendEmailCommand({ Source: 'The pipeline <pipeline@corp.test>', Destination: { ToAddresses: ['lead@team.test'], CcAddresses: ['sdr9@example.com'] }, Message: message })),
    );
    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe('Email address is not verified. The following identities failed the check in region EU-WEST-1: sdr9@example.com');
    const permanent = mailRefusal(error, { from: 'The pipeline <pipeline@corp.test>', to: ['lead@team.test'], cc: ['sdr9@example.com'] });
    expect(permanent).toBeInstanceOf(PermanentMailError);
    expect(permanent?.name).toBe('Pipeline.MailRejected');
    expect(permanent?.reasonCode).toBe('MessageRejected');
    expect(permanent?.addresses).toEqual(['sdr9@example.com']);
    expect(permanent?.message).toBe('SES refused the email to sdr9@example.com: the address is not verified (the account is in the SES sandbox, where every recipient must be a verified identity)');
  });

  it('refuses an unverified sender, naming it as SES does (with its display name)', async () => {
    const error = await refusal(v1.send(new SendEmailCommand({ Source: 'Bot <bot@corp.test>', Destination: { ToAddresses: ['ops@corp.test'] }, Message: message })));
    expect(error.message).toBe('Email address is not verified. The following identities failed the check in region EU-WEST-1: Bot <bot@corp.test>, bot@corp.test');
    expect(mailRefusal(error, { from: 'Bot <bot@corp.test>', to: ['ops@corp.test'] })?.message).toBe(
      'SES refused the email from bot@corp.test: the sender address is not verified in SES (verify it, or its domain: the mailIdentity setting)',
    );
  });

  it('refuses a v1 SendRawEmail by its headers and a v2 SendEmail by its destination', async () => {
    const raw = 'From: pipeline@corp.test\r\nTo: a@team.test,\r\n  Someone <someone@elsewhere.test>\r\nSubject: x\r\n\r\nbody';
    const rawError = await refusal(v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(raw) } })));
    expect(rawError.name).toBe('MessageRejected');
    expect(rawError.message).toMatch(/failed the check in region EU-WEST-1: someone@elsewhere\.test$/);

    const v2Error = await refusal(
      v2.send(new SendEmailV2Command({ FromEmailAddress: 'pipeline@corp.test', Destination: { ToAddresses: ['ops@corp.test'], BccAddresses: ['hidden@elsewhere.test'] }, Content: { Simple: message } })),
    );
    expect(v2Error.name).toBe('MessageRejected');
    expect(v2Error.$metadata?.httpStatusCode).toBe(400);
    expect(v2Error.message).toMatch(/failed the check in region EU-WEST-1: hidden@elsewhere\.test$/);
  });

  it('accepts a send between verified identities (v1 and v2)', async () => {
    const ok = await v1.send(new SendEmailCommand({ Source: 'The pipeline <pipeline@corp.test>', Destination: { ToAddresses: ['lead@team.test'] }, Message: message }));
    expect(ok.MessageId).toBeTruthy();
    const ok2 = await v2.send(new SendEmailV2Command({ FromEmailAddress: 'pipeline@corp.test', Destination: { ToAddresses: ['ops@corp.test'] }, Content: { Simple: message } }));
    expect(ok2.MessageId).toBeTruthy();
  });

  it('passes a v2 SendEmail with an attachment (an .ics) on to the emulator, which keeps its file name, type and content; refuses it to an unverified recipient', async () => {
    const ics = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n';
    const attachment = { FileName: 'meeting.ics', ContentType: 'text/calendar; method=REQUEST; charset=UTF-8', ContentDisposition: 'ATTACHMENT' as const, ContentTransferEncoding: 'BASE64' as const, RawContent: Buffer.from(ics) };
    const ok = await v2.send(new SendEmailV2Command({ FromEmailAddress: 'pipeline@corp.test', Destination: { ToAddresses: ['ops@corp.test'] }, Content: { Simple: { ...message, Attachments: [attachment] } } }));
    const store = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: { messageId: string; attachments: { filename?: string; contentType: string; content: string }[] }[] } };
    const stored = store.getStoreReadonly().emails.find((e) => e.messageId === ok.MessageId);
    expect(stored?.attachments).toEqual([expect.objectContaining({ filename: 'meeting.ics', contentType: 'text/calendar; method=REQUEST; charset=UTF-8', content: Buffer.from(ics).toString('base64') })]);
    const error = await refusal(v2.send(new SendEmailV2Command({ FromEmailAddress: 'pipeline@corp.test', Destination: { ToAddresses: ['rep@elsewhere.test'] }, Content: { Simple: { ...message, Attachments: [attachment] } } })));
    expect(error.name).toBe('MessageRejected');
  });

  it('answers GetAccount (sandbox, its quota), ListEmailIdentities and GetEmailIdentity', async () => {
    const account = await v2.send(new GetAccountCommand({}));
    expect(account.ProductionAccessEnabled).toBe(false);
    expect(account.SendingEnabled).toBe(true);
    expect(account.SendQuota).toMatchObject({ Max24HourSend: 200, MaxSendRate: 1 });
    expect(account.SendQuota?.SentLast24Hours).toBeGreaterThanOrEqual(2);
    const list = await v2.send(new ListEmailIdentitiesCommand({ PageSize: 2 }));
    expect(list.EmailIdentities?.map((i) => i.IdentityName)).toEqual(['pipeline@corp.test', 'ops@corp.test']);
    expect(list.NextToken).toBeDefined();
    const rest = await v2.send(new ListEmailIdentitiesCommand({ PageSize: 2, NextToken: list.NextToken }));
    expect(rest.EmailIdentities).toEqual([{ IdentityType: 'DOMAIN', IdentityName: 'team.test', SendingEnabled: true, VerificationStatus: 'SUCCESS' }]);
    const one = await v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'pipeline@corp.test' }));
    expect(one).toMatchObject({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
    const missing = await refusal(v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'nobody@corp.test' })));
    expect(missing.name).toBe('NotFoundException');
  });
});

describe('the local SES with production access', () => {
  it('sends to any recipient, still only from a verified sender', async () => {
    const client = new SESClient({ endpoint: production.url, region: 'eu-west-1', credentials });
    const v2p = new SESv2Client({ endpoint: production.url, region: 'eu-west-1', credentials });
    try {
      await expect(client.send(new SendEmailCommand({ Source: 'pipeline@corp.test', Destination: { ToAddresses: ['anyone@elsewhere.test'] }, Message: message }))).resolves.toMatchObject({ MessageId: expect.any(String) });
      const error = await refusal(client.send(new SendEmailCommand({ Source: 'x@elsewhere.test', Destination: { ToAddresses: ['ops@corp.test'] }, Message: message })));
      expect(error.name).toBe('MessageRejected');
      expect((await v2p.send(new GetAccountCommand({}))).ProductionAccessEnabled).toBe(true);
    } finally {
      client.destroy();
      v2p.destroy();
    }
  });
});

describe('the mailer reads other refusals in plain words', () => {
  const mail = { from: 'The pipeline <pipeline@corp.test>', to: ['a@team.test'] };
  it('AccessDenied and MailFromDomainNotVerified name the sender; throttling stays transient (undefined here)', () => {
    const denied = mailRefusal(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }), mail);
    expect(denied?.message).toMatch(/^SES refused the email from pipeline@corp\.test: the function is not allowed to send as this sender/);
    expect(mailRefusal(Object.assign(new Error('x'), { name: 'MailFromDomainNotVerifiedException' }), mail)?.message).toMatch(/MAIL FROM domain/);
    expect(mailRefusal(Object.assign(new Error('x'), { name: 'AccountSendingPausedException' }), mail)?.message).toBe('SES refused the email to a@team.test: sending is paused for this SES account');
    expect(mailRefusal(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' }), mail)).toBeUndefined();
    expect(mailRefusal(Object.assign(new Error('Too many requests'), { name: 'TooManyRequestsException' }), mail)).toBeUndefined();
  });

  it('SES v2 BadRequestException (a malformed address or attachment) is permanent, with what SES said', () => {
    const bad = mailRefusal(Object.assign(new Error('Unsupported attachment type'), { name: 'BadRequestException' }), mail);
    expect(bad).toBeInstanceOf(PermanentMailError);
    expect(bad?.message).toBe('SES refused the email to a@team.test: SES found an address or a parameter invalid: Unsupported attachment type');
  });
});

describe('what SES refuses in a message, refused locally as SES refuses it', () => {
  const from = 'pipeline@corp.test';
  const to = ['ops@corp.test'];
  const store = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: { subject?: string }[] } };
  const stored = (subject: string) => store.getStoreReadonly().emails.filter((e) => e.subject === subject);
  /** A raw MIME message with one attachment part named `fileName` and a body of `bodyBytes` bytes. */
  const rawMessage = (subject: string, fileName: string, bodyBytes = 2): string =>
    [
      `From: ${from}`,
      `To: ${to.join(', ')}`,
      `Subject: ${subject}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'x'.repeat(bodyBytes),
      '--b1',
      `Content-Type: application/octet-stream;\r\n name="${fileName}"`,
      `Content-Disposition: attachment; filename="${fileName}"`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('MZ').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');

  it("knows SES's unsupported extensions (any case) and finds a raw message's file names, folded and RFC 2231 ones too", () => {
    expect(['setup.EXE', 'run.bat', 'app.js', 'macro.vbs', 'x.ps1'].map(unsupportedExtension)).toEqual(['.exe', '.bat', '.js', '.vbs', '.ps1']);
    expect(['meeting.ics', 'report.pdf', 'archive.tar.gz', 'js', 'notes.'].map(unsupportedExtension)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const raw = 'Content-Type: text/calendar;\r\n method=REQUEST; name="meeting.ics"\r\nContent-Disposition: attachment;\r\n\tfilename*=UTF-8\'\'my%20tool.vbs\r\n\r\nfilename="in-the-body.exe"';
    expect(mimeAttachmentNames(raw)).toEqual(['meeting.ics', 'my tool.vbs']);
  });

  it('refuses an SESv2 Simple attachment of an unsupported type (MessageRejected, 400) and sends nothing; the mailer reads it as a permanent refusal', async () => {
    const subject = 'Tool for you';
    const attachment = { FileName: 'Setup.exe', ContentType: 'application/octet-stream', RawContent: Buffer.from('MZ') };
    const error = await refusal(v2.send(new SendEmailV2Command({ FromEmailAddress: from, Destination: { ToAddresses: to }, Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'Hi' } }, Attachments: [attachment] } } })));
    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe('Unsupported attachment type: \'Setup.exe\'. Amazon SES does not accept attachments with the file extension .exe (see "Amazon SES unsupported attachment types").');
    expect(stored(subject)).toEqual([]);
    const permanent = mailRefusal(error, { from, to });
    expect(permanent).toBeInstanceOf(PermanentMailError);
    expect(permanent?.message).toBe(`SES refused the email to ops@corp.test: SES rejected the message: ${error.message}`);
  });

  it('refuses an unsupported attachment in a raw message: SES v1 SendRawEmail and SESv2 Content.Raw', async () => {
    const v1Error = await refusal(v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(rawMessage('Raw v1', 'install.bat')) } })));
    expect([v1Error.name, v1Error.$metadata?.httpStatusCode]).toEqual(['MessageRejected', 400]);
    expect(v1Error.message).toMatch(/^Unsupported attachment type: 'install\.bat'\. .* extension \.bat /);
    const v2Error = await refusal(v2.send(new SendEmailV2Command({ Content: { Raw: { Data: Buffer.from(rawMessage('Raw v2', 'script.js')) } } })));
    expect([v2Error.name, v2Error.$metadata?.httpStatusCode]).toEqual(['MessageRejected', 400]);
    expect(v2Error.message).toMatch(/'script\.js'/);
    expect([...stored('Raw v1'), ...stored('Raw v2')]).toEqual([]);
    // The same message with an accepted type goes through.
    const ok = await v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(rawMessage('Raw v1 ok', 'report.pdf')) } }));
    expect(ok.MessageId).toBeTruthy();
  });

  it('refuses an SES v1 message over 10 MB as SES does (InvalidParameterValue, 400), and takes one of exactly 10 MB', async () => {
    const head = rawMessage('Big v1', 'report.pdf', 0);
    const over = rawMessage('Big v1', 'report.pdf', MAX_MESSAGE_BYTES.v1 - Buffer.byteLength(head) + 1);
    expect(Buffer.byteLength(over)).toBe(10_485_761);
    const error = await refusal(v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(over) } })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
    expect(error.message).toBe("Message length is more than 10485760 bytes long: '10485761'.");
    expect(mailRefusal(error, { from, to })?.message).toBe(`SES refused the email to ops@corp.test: SES found an address or a parameter invalid: ${error.message}`);
    const atLimit = rawMessage('Big v1', 'report.pdf', MAX_MESSAGE_BYTES.v1 - Buffer.byteLength(head));
    expect(Buffer.byteLength(atLimit)).toBe(10_485_760);
    expect((await v1.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(atLimit) } }))).MessageId).toBeTruthy();
  }, 60_000);

  it('refuses an SESv2 message over 40 MB, its attachments counted base64-encoded (BadRequestException, 400)', async () => {
    // 30 MiB of attachment is 40 MiB base64-encoded: with the subject and the body, over the limit.
    const attachment = { FileName: 'scan.pdf', ContentType: 'application/pdf', RawContent: new Uint8Array(30 * 1024 * 1024) };
    const error = await refusal(v2.send(new SendEmailV2Command({ FromEmailAddress: from, Destination: { ToAddresses: to }, Content: { Simple: { ...message, Attachments: [attachment] } } })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['BadRequestException', 400]);
    expect(error.message).toBe(`Message length is more than ${MAX_MESSAGE_BYTES.v2} bytes long: '${MAX_MESSAGE_BYTES.v2 + 'Hello'.length + 'Hi'.length}'.`);
    expect(mailRefusal(error, { from, to })).toBeInstanceOf(PermanentMailError);
  }, 60_000);
});
