// The real table for unit tests: dynalite in-process (real condition,
// update and key semantics, no Docker), created from infra/table-schema.
// Call startLocalTable() before importing anything that imports
// #lib/aws/clients: it points the SDK at the server through the environment.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../../../infra/table-schema';

export interface LocalTable {
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalTable(table: string, env: Record<string, string> = {}): Promise<LocalTable> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    TABLE_NAME: table,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...env,
  });
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(createTableInput(table)));
  client.destroy();
  return { endpoint, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An error the SDK reports for a DynamoDB outage (a name asTransient knows). */
export const outage = (): Error => Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });

/**
 * Faults on the client's traffic: `fail(when, error)` makes the next request
 * matching `when` (command name and input) throw `error` before it is sent
 * (ahead of the SDK's retries). Reset with `clear()`.
 */
export function faults(client: DynamoDBDocumentClient): {
  fail(when: (command: string, input: Record<string, unknown>) => boolean, error?: Error): void;
  clear(): void;
} {
  let pending: { when: (command: string, input: Record<string, unknown>) => boolean; error: Error }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const hit = pending.find((p) => p.when(String(context.commandName), input));
      if (hit !== undefined) {
        pending = pending.filter((p) => p !== hit);
        throw hit.error;
      }
      return next(args);
    },
    { step: 'initialize', name: 'testFaults' },
  );
  return {
    fail: (when, error = outage()) => {
      pending.push({ when, error });
    },
    clear: () => {
      pending = [];
    },
  };
}
