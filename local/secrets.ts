/**
 * A minimal Secrets Manager endpoint for the embedded runtime: GetSecretValue
 * (and DescribeSecret) over the AWS JSON 1.1 protocol, on loopback, so the
 * keyed functions' plain `new SecretsManagerClient({})` reads their key through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER. Secrets are given at start; it never logs
 * bodies or values. The shared secrets it serves (the bearer key, the
 * webhook secret) come from the environment or are kept in the data folder
 * (`resolveApiKey`, `resolveWebhookSecret`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** The bearer key: PIPELINE_API_KEY, else the one kept in the data folder, else a new one (kept). */
export function resolveApiKey(dataDir: string, fromEnv: string | undefined): { key: string; source: 'env' | 'data' | 'generated' } {
  return resolveSharedSecret(dataDir, fromEnv, { file: 'api-key', variable: 'PIPELINE_API_KEY', prefix: 'pk_' });
}

/** The webhook secret: PIPELINE_WEBHOOK_SECRET, else the one kept in the data folder, else a new one (kept). */
export function resolveWebhookSecret(dataDir: string, fromEnv: string | undefined): { key: string; source: 'env' | 'data' | 'generated' } {
  return resolveSharedSecret(dataDir, fromEnv, { file: 'webhook-secret', variable: 'PIPELINE_WEBHOOK_SECRET', prefix: 'whsec_' });
}

/** A shared secret: given (checked), else kept in the data folder's `file` (0600), else a new one (kept). */
function resolveSharedSecret(dataDir: string, fromEnv: string | undefined, kept: { file: string; variable: string; prefix: string }): { key: string; source: 'env' | 'data' | 'generated' } {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[A-Za-z0-9._~+/=-]{16,1024}$/.test(fromEnv)) throw new Error(`${kept.variable} must be 16 to 1024 characters of A-Z a-z 0-9 . _ ~ + / = -`);
    return { key: fromEnv, source: 'env' };
  }
  const file = join(dataDir, kept.file);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key !== '') return { key, source: 'data' };
  }
  const key = `${kept.prefix}${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, source: 'generated' };
}
