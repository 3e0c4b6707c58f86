/**
 * AWS SDK clients, built once per process. Plain constructors: locally the
 * endpoints come from AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB),
 * so nothing here knows where it runs. Unit tests mock the classes with
 * aws-sdk-client-mock (mockClient(DynamoDBDocumentClient), etc.).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv } from './config';
import { tracer } from './observability';

/** Document client: plain JS values in and out; undefined attributes are dropped. */
export const ddb: DynamoDBDocumentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
export const sfn: SFNClient = tracer.captureAWSv3Client(new SFNClient({}));
export const ses: SESClient = tracer.captureAWSv3Client(new SESClient({}));
export const secrets: SecretsManagerClient = tracer.captureAWSv3Client(new SecretsManagerClient({}));

let cachedTable: string | undefined;
/** The table name (TABLE_NAME). Throws naming the variable when it is missing. */
export function tableName(): string {
  cachedTable ??= requireEnv(ENV.tableName);
  return cachedTable;
}
