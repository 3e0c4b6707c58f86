/**
 * One lead's text cannot reach another lead's email: the mailer sends only
 * well-formed text. The SES client here is the real one (SES API v2, REST
 * JSON: its serializer passes a lone surrogate on as a `\ud83d` escape, text
 * no mail can carry; SES v1's query serializer threw half way through one
 * and sent the half-built text with the client's next request), talking to
 * a local HTTP server that records each request body; only DynamoDB (the
 * idempotency marker) is mocked.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
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
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ MessageId: `m-${bodies.length}` }));
  });
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

process.env.TABLE_NAME = 'test-table';
process.env.MAIL_FROM = 'pipeline@example.com';
process.env.AWS_ENDPOINT_URL_SESV2 = endpoint;
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

interface SentBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Html?: { Data?: string }; Text?: { Data?: string } } } };
}
/** A recorded SES v2 SendEmail request body. */
const parsed = (body: string | undefined): SentBody => JSON.parse(body ?? '{}') as SentBody;

describe('mailer: well-formed text only', () => {
  it('sends a lone surrogate as U+FFFD, and the next email (another lead\'s) goes out intact', async () => {
    const hostile = { to: 'sdr1@example.com', subject: 'Qualification call for Lone \ud83d Surrogate', html: '<p>Lone \ud83d Surrogate</p>', text: 'Lone \udc00 Surrogate', idempotencyKey: 'lead-hostile#qualification-call' };
    const next = { to: 'sdr2@example.com', subject: 'Qualification call for Ada Lovelace (Analytical Engines)', html: '<p>Ada 🚀</p>', text: 'Ada 🚀', idempotencyKey: 'lead-next#qualification-call' };
    await expect(sendEmail(hostile)).resolves.toMatchObject({ sent: true });
    await expect(sendEmail(next)).resolves.toMatchObject({ sent: true });
    expect(bodies).toHaveLength(2);
    const [first, second] = bodies.map(parsed);
    expect(first?.Content?.Simple?.Subject?.Data).toBe('Qualification call for Lone \ufffd Surrogate');
    expect(first?.Content?.Simple?.Body?.Html?.Data).toBe('<p>Lone \ufffd Surrogate</p>');
    expect(first?.Content?.Simple?.Body?.Text?.Data).toBe('Lone \ufffd Surrogate');
    expect(bodies[0]).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    // The next request is that email alone: its subject, its own recipient.
    expect(second?.Content?.Simple?.Subject?.Data).toBe(next.subject);
    expect(second?.Destination?.ToAddresses).toEqual(['sdr2@example.com']);
    expect(second?.Content?.Simple?.Body?.Text?.Data).toBe('Ada 🚀');
  });

  it('(why) the SDK itself passes a lone surrogate on, as an escape no mail can carry', async () => {
    const client = new SESv2Client({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      await client.send(new SendEmailCommand({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 'Lone \ud83d Surrogate' }, Body: { Text: { Data: 'x' } } } } }));
      expect(bodies.at(-1)).toContain('Lone \\ud83d Surrogate');
    } finally {
      client.destroy();
    }
  });
});
