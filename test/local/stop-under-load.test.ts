// Ctrl-C while the local DynamoDB is busy: requests cut off by the stop can
// reach LevelDB after it closed (dynalite throws "Database is closed" on its
// thread). That work resumes at the next start, so the stop is still clean:
// exit code 0, no crash in the output.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { LocalStackProcess } from '../../local/stack-process';

describe('stopping the local stack', () => {
  it('exits 0 while DynamoDB requests are in flight', async () => {
    const server = await LocalStackProcess.start();
    try {
      const info = await server.getJson<{ dynamodb: string; tableName: string }>('/local/info');
      const client = new DynamoDBClient({ endpoint: info.dynamodb, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      let stopping = false;
      let written = 0;
      // 20 writers, each writing as fast as it can until the stop; their failures after it are expected.
      const writers = Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; !stopping; i += 1) {
          await client
            .send(new PutItemCommand({ TableName: info.tableName, Item: { pk: { S: `LOAD#${w}` }, sk: { S: String(i) }, pad: { S: 'x'.repeat(2_000) } } }))
            .then(() => (written += 1))
            .catch(() => undefined);
        }
      });
      // Poll until the writers are under way, then stop in the middle of them.
      while (written < 200) await new Promise((r) => setTimeout(r, 20));
      const code = await server.stop();
      stopping = true;
      await Promise.all(writers);
      client.destroy();
      expect(server.output()).not.toContain('Database is closed');
      expect(code).toBe(0);
    } finally {
      await server.kill();
      server.removeData();
    }
  }, 180_000);
});
