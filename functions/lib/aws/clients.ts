/**
 * AWS SDK clients, built once per process. Plain constructors: locally the
 * endpoints come from AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB),
 * so nothing here knows where it runs. Unit tests mock the classes with
 * aws-sdk-client-mock (mockClient(DynamoDBDocumentClient), etc.).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv } from './config';
import { tracer } from './observability';

/*
 * `@__PURE__`: a bundle keeps only the clients its function uses (esbuild drops
 * an unused pure value, then the SDK package it came from).
 */
/** Document client: plain JS values in and out; undefined attributes are dropped. */
export const ddb: DynamoDBDocumentClient = /* @__PURE__ */ DynamoDBDocumentClient.from(/* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
export const sfn: SFNClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SFNClient({}));
/** SES API v2 (SendEmail with attachments); locally AWS_ENDPOINT_URL_SESV2. */
export const ses: SESv2Client = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SESv2Client({}));
export const eventBridge: EventBridgeClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new EventBridgeClient({}));
export const secrets: SecretsManagerClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SecretsManagerClient({}));

let cachedTable: string | undefined;
/** The table name (TABLE_NAME). Throws naming the variable when it is missing. */
export function tableName(): string {
  cachedTable ??= requireEnv(ENV.tableName);
  return cachedTable;
}
