// For unit tests of the keyed HTTP handlers (capture-lead, delete-lead, funnel):
// the secret id they require, a mocked Secrets Manager holding TEST_API_KEY, and
// the header that passes their requireApiKey middleware. Import it before the handler.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

export const TEST_API_KEY = 'unit-test-key-0123456789abcdef';
process.env.API_KEY_SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key';
mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: TEST_API_KEY });

/** `Authorization: Bearer <TEST_API_KEY>`, for httpEvent's headers. */
export const KEYED = { authorization: `Bearer ${TEST_API_KEY}` } as const;
