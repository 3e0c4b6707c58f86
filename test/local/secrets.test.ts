import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretsServer, type SecretsServer } from '../../local/secrets';

describe('local Secrets Manager', () => {
  let server: SecretsServer;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    server = await startSecretsServer({ secrets: [{ name: 'pipeline/api-key', value: 'k3y' }], region: 'us-east-1', accountId: '123456789012' });
    client = new SecretsManagerClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('serves GetSecretValue to the AWS SDK by name and by ARN', async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'pipeline/api-key' }));
    expect(byName.SecretString).toBe('k3y');
    expect(byName.ARN).toBe(server.arnOf('pipeline/api-key'));
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline\/api-key-[A-Za-z0-9]{6}$/);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: server.arnOf('pipeline/api-key') }));
    expect(byArn.SecretString).toBe('k3y');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'other' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
