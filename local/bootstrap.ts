/**
 * The local stack pretends to be a bootstrapped account: a loopback
 * CloudFormation endpoint (query protocol) that answers DescribeStacks for
 * the CDK bootstrap stack, CDKToolkit (CREATE_COMPLETE, output
 * BootstrapVersion), and "does not exist" for any other stack. It is what
 * `npm run preflight` asks (scripts/preflight.ts) before a deploy, reached
 * through AWS_ENDPOINT_URL_CLOUDFORMATION; nothing is ever deployed to it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { guardServer } from './loopback-guard.mjs';
import { listenOnLoopback, readAll } from './loopback-server';

export const BOOTSTRAP_STACK = 'CDKToolkit';
/** The bootstrap template version the local answer claims (aws-cdk 2.x's current one is in the 20s). */
export const LOCAL_BOOTSTRAP_VERSION = 28;

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface CloudFormationServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startCloudFormationServer(options: { region: string; accountId: string; host?: string; port?: number; started?: Date }): Promise<CloudFormationServer> {
  const host = options.host ?? '127.0.0.1';
  const created = (options.started ?? new Date()).toISOString();
  const stackId = `arn:aws:cloudformation:${options.region}:${options.accountId}:stack/${BOOTSTRAP_STACK}/${randomUUID()}`;
  const server = createServer((req, res) => {
    void readAll(req).then(
      (body) => {
        const form = new URLSearchParams(body.toString('utf8'));
        const requestId = randomUUID();
        const reply = (status: number, body: string): void => {
          res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
          res.end(body);
        };
        const error = (status: number, code: string, message: string): void =>
          reply(status, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
        if (req.method !== 'POST' || form.get('Action') !== 'DescribeStacks') return error(400, 'InvalidAction', 'The local stack answers DescribeStacks only');
        const name = form.get('StackName') ?? BOOTSTRAP_STACK;
        if (name !== BOOTSTRAP_STACK && name !== stackId) return error(400, 'ValidationError', `Stack with id ${name.replace(/[<>&]/g, '')} does not exist`);
        reply(
          200,
          `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member>` +
            `<StackName>${BOOTSTRAP_STACK}</StackName><StackId>${stackId}</StackId><CreationTime>${created}</CreationTime>` +
            `<StackStatus>CREATE_COMPLETE</StackStatus><Description>This stack includes resources needed to deploy AWS CDK apps into this environment</Description>` +
            `<Outputs><member><OutputKey>BootstrapVersion</OutputKey><OutputValue>${LOCAL_BOOTSTRAP_VERSION}</OutputValue></member></Outputs>` +
            `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        );
      },
      () => {
        res.writeHead(400);
        res.end();
      },
    );
  });
  guardServer(server); // loopback callers only, no browser page of another origin (local/loopback-guard.mjs)
  return listenOnLoopback(server, host, options.port);
}
