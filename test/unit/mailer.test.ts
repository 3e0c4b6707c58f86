/**
 * The window between SES accepting a mail and the marker saying `sent`
 * (functions/lib/mail/mailer.ts): a failed marker write is tried again, only by
 * the attempt holding the marker, and a retry within the lease never sends.
 * (The SES-side retry, through the real local stack: test/reliability/faults.test.ts.)
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
const { MARK_SENT_ATTEMPTS, sendEmail } = await import('#lib/mail/mailer');
const { PermanentMailError, TransientError } = await import('#lib/core/errors');

const ccf = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });
const outage = () => Object.assign(new Error('internal'), { name: 'InternalServerError' });
const email = { to: 'rep@example.com', subject: 'Qualification call', html: '<p>x</p>', text: 'x', idempotencyKey: 'lead-1#qualification-call' };

/** The UpdateCommands that set the marker to `sent`. */
const markSentCalls = () => ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.ExpressionAttributeValues?.[':sent'] === 'sent');

afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
});

describe('mailer: after SES accepted the mail', () => {
  it('tries the marker write again when DynamoDB fails, so a retried step does not send twice', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).rejectsOnce(outage()).rejectsOnce(outage()).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm1' });
    await expect(sendEmail(email)).resolves.toEqual({ sent: true, messageId: 'm1' });
    const marks = markSentCalls();
    expect(marks).toHaveLength(3);
    // Only the attempt that holds the marker may say it sent.
    const claimedBy = ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item?.attempt as string;
    for (const m of marks) {
      expect(m.args[0].input.ConditionExpression).toBe('attempt = :attempt');
      expect(m.args[0].input.ExpressionAttributeValues?.[':attempt']).toBe(claimedBy);
    }

    // The step is retried (say its Lambda timed out after the send): the marker says sent, nothing goes out.
    ddbMock.reset();
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).rejects(ccf());
    ddbMock.on(GetCommand).resolves({ Item: { status: 'sent' } });
    await expect(sendEmail(email)).resolves.toEqual({ sent: false });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('when the marker cannot be written at all, the send stands and a retry within the lease does not resend', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(outage());
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm2' });
    await expect(sendEmail(email)).resolves.toMatchObject({ sent: true });
    expect(markSentCalls()).toHaveLength(MARK_SENT_ATTEMPTS);

    // The marker is still `sending` and its lease has not run out: the retry waits, then fails as transient.
    ddbMock.reset();
    ddbMock.on(PutCommand).rejects(ccf());
    ddbMock.on(UpdateCommand).rejects(ccf()); // the takeover needs a stale lease
    ddbMock.on(GetCommand).resolves({ Item: { status: 'sending' } });
    await expect(sendEmail(email, new Date(), { inFlightWaitMs: 0 })).rejects.toBeInstanceOf(TransientError);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('does not overwrite a marker another attempt took over (this send outlived its lease)', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).rejects(ccf());
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm3' });
    await expect(sendEmail(email)).resolves.toMatchObject({ sent: true });
    expect(markSentCalls()).toHaveLength(1);
  });
});

describe('mailer: SES refuses', () => {
  const rejected = (message: string) => Object.assign(new Error(message), { name: 'MessageRejected', $metadata: { httpStatusCode: 400 } });

  it('for good (an unverified address in the sandbox): a PermanentMailError naming it, not transient, and the marker is released', async () => {
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(DeleteCommand).resolves({});
    sesMock.on(SendEmailCommand).rejects(rejected('Email address is not verified. The following identities failed the check in region US-EAST-1: sdr9@example.com'));
    const error = await sendEmail({ ...email, to: 'sdr9@example.com', cc: ['lead@example.com'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentMailError);
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      name: 'Pipeline.MailRejected',
      reasonCode: 'MessageRejected',
      addresses: ['sdr9@example.com'],
      message: 'SES refused the email to sdr9@example.com: the address is not verified (the account is in the SES sandbox, where every recipient must be a verified identity)',
    });
    // The marker is deleted: once the address is verified, a restarted lead sends.
    expect(ddbMock.commandCalls(DeleteCommand)).toHaveLength(1);
    expect(markSentCalls()).toHaveLength(0);
  });

  it('names the sender when it is the identity that failed', async () => {
    ddbMock.on(PutCommand).resolves({});
    sesMock.on(SendEmailCommand).rejects(rejected('Email address is not verified. The following identities failed the check in region EU-WEST-1: pipeline@example.com'));
    await expect(sendEmail(email)).rejects.toThrow('SES refused the email from pipeline@example.com: the sender address is not verified in SES');
  });

  it('AccessDenied is permanent too; throttling stays transient', async () => {
    ddbMock.on(PutCommand).resolves({});
    sesMock.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('not authorized to perform ses:SendEmail'), { name: 'AccessDenied' }));
    await expect(sendEmail(email)).rejects.toMatchObject({ name: 'Pipeline.MailRejected', reasonCode: 'AccessDenied' });
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' }));
    await expect(sendEmail(email)).rejects.toBeInstanceOf(TransientError);
  });
});
