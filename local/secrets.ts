/**
 * A minimal Secrets Manager endpoint for the embedded runtime: GetSecretValue
 * (and DescribeSecret) over the AWS JSON 1.1 protocol, on loopback, so the
 * keyed functions' plain `new SecretsManagerClient({})` reads their key through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER. Secrets are given at start; it never logs
 * bodies or values.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { guardServer } from './loopback-guard.mjs';
import { listenOnLoopback } from './loopback-server';

interface LocalSecret {
  name: string;
  value: string;
}

export interface SecretsServer {
  url: string;
  port: number;
  arnOf(name: string): string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The ARN AWS would give the secret: name, a dash and 6 characters. */
function secretArn(region: string, accountId: string, name: string): string {
  const suffix = createHash('sha256').update(name).digest('base64url').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 6);
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function error(status: number, type: string, message: string): Reply {
  return { status, body: { __type: type, message, Message: message } };
}

/** Answers one request; exported for tests. */
function answer(secrets: readonly LocalSecret[], region: string, accountId: string, target: string | undefined, raw: string, createdAt: Date): Reply {
  const action = (target ?? '').startsWith('secretsmanager.') ? (target ?? '').slice('secretsmanager.'.length) : undefined;
  if (action === undefined) return error(400, 'UnknownOperationException', 'Missing or unknown X-Amz-Target');
  let body: unknown;
  try {
    body = raw === '' ? {} : JSON.parse(raw);
  } catch {
    return error(400, 'SerializationException', 'Request body is not valid JSON');
  }
  const secretId = typeof body === 'object' && body !== null && 'SecretId' in body ? (body as { SecretId: unknown }).SecretId : undefined;
  if (action !== 'GetSecretValue' && action !== 'DescribeSecret') return error(400, 'UnknownOperationException', `${action} is not supported by the local Secrets Manager`);
  if (typeof secretId !== 'string' || secretId === '') return error(400, 'InvalidParameterException', 'SecretId is required');
  const secret = secrets.find((s) => s.name === secretId || secretArn(region, accountId, s.name) === secretId);
  if (secret === undefined) return error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  const common = { ARN: secretArn(region, accountId, secret.name), Name: secret.name };
  if (action === 'DescribeSecret') return { status: 200, body: { ...common, CreatedDate: createdAt.getTime() / 1000 } };
  return {
    status: 200,
    body: { ...common, SecretString: secret.value, VersionId: 'local-version-1', VersionStages: ['AWSCURRENT'], CreatedDate: createdAt.getTime() / 1000 },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > 1024 * 1024) throw new Error('request too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSecretsServer(options: { secrets: LocalSecret[]; region: string; accountId: string; port?: number; host?: string }): Promise<SecretsServer> {
  const createdAt = new Date();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((raw) => {
        const reply = answer(options.secrets, options.region, options.accountId, req.headers['x-amz-target'] as string | undefined, raw, createdAt);
        res.writeHead(reply.status, { 'content-type': CONTENT_TYPE });
        res.end(JSON.stringify(reply.body));
      })
      .catch(() => {
        res.writeHead(400, { 'content-type': CONTENT_TYPE });
        res.end(JSON.stringify({ __type: 'SerializationException', message: 'Bad request' }));
      });
  });
  guardServer(server); // loopback callers only, no browser page of another origin (local/loopback-guard.mjs)
  const host = options.host ?? '127.0.0.1';
  const { url, port, close } = await listenOnLoopback(server, host, options.port);
  return { url, port, arnOf: (name) => secretArn(options.region, options.accountId, name), close };
}
