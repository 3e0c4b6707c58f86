/**
 * One lead's text cannot reach another lead's email: the mailer sends only
 * well-formed text. The SES client here is the real one (its query-protocol
 * serializer, which throws half way through a lone surrogate and then sent
 * the half-built text with the client's next request), talking to a local
 * HTTP server that records each request body; only DynamoDB (the idempotency
 * marker) is mocked.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const bodies: string[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    bodies.push(body);
    res.setHeader('content-type', 'text/xml');
    res.end(`<SendEmailResponse><SendEmailResult><MessageId>m-${bodies.length}</MessageId></SendEmailResult></SendEmailResponse>`);
  });
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.AWS_ENDPOINT_URL_SES = endpoint;
process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';

const ddbMock = mockClient(DynamoDBDocumentClient);
const { sendEmail } = await import('#lib/mail/mailer');

afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  bodies.length = 0;
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
});

/** The form fields of a recorded SES query request. */
const fieldsOf = (body: string): [string, string][] => [...new URLSearchParams(body).entries()];

describe('mailer: well-formed text only', () => {
  it('sends a lone surrogate as U+FFFD, and the next email (another lead\'s) goes out intact', async () => {
    const hostile = { to: 'sdr1@example.com', subject: 'Qualification call for Lone \ud83d Surrogate', html: '<p>Lone \ud83d Surrogate</p>', text: 'Lone \udc00 Surrogate', idempotencyKey: 'lead-hostile#qualification-call' };
    const next = { to: 'sdr2@example.com', subject: 'Qualification call for Ada Lovelace (Analytical Engines)', html: '<p>Ada 🚀</p>', text: 'Ada 🚀', idempotencyKey: 'lead-next#qualification-call' };
    await expect(sendEmail(hostile)).resolves.toMatchObject({ sent: true });
    await expect(sendEmail(next)).resolves.toMatchObject({ sent: true });
    expect(bodies).toHaveLength(2);
    const [first, second] = bodies.map(fieldsOf);
    const value = (fields: [string, string][] | undefined, name: string) => fields?.filter(([k]) => k === name).map(([, v]) => v);
    expect(value(first, 'Message.Subject.Data')).toEqual(['Qualification call for Lone \ufffd Surrogate']);
    expect(value(first, 'Message.Body.Html.Data')).toEqual(['<p>Lone \ufffd Surrogate</p>']);
    expect(value(first, 'Message.Body.Text.Data')).toEqual(['Lone \ufffd Surrogate']);
    // The next request is that email alone: one Action, one subject, its own recipient.
    expect(bodies[1]?.startsWith('Action=SendEmail&')).toBe(true);
    expect(value(second, 'Action')).toEqual(['SendEmail']);
    expect(value(second, 'Message.Subject.Data')).toEqual([next.subject]);
    expect(value(second, 'Destination.ToAddresses.member.1')).toEqual(['sdr2@example.com']);
    expect(value(second, 'Message.Body.Text.Data')).toEqual(['Ada 🚀']);
  });

  it('(why) the SDK itself cannot encode a lone surrogate: its SendEmail throws URIError', async () => {
    const client = new SESClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      await expect(
        client.send(new SendEmailCommand({ Source: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Message: { Subject: { Data: 'Lone \ud83d Surrogate' }, Body: { Text: { Data: 'x' } } } })),
      ).rejects.toThrow(URIError);
    } finally {
      client.destroy();
    }
  });
});
