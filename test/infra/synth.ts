/**
 * Synthesizes the pipeline stack once (bundling every function with esbuild
 * takes most of the time) and gives tests the template, the cloud assembly
 * directory and the cdk-nag reports.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PipelineStack, type PipelineStackProps } from '../../infra/pipeline-stack';

export interface Synthesized {
  readonly app: App;
  readonly stack: PipelineStack;
  readonly template: Template;
  /** The synthesized template as JSON. */
  readonly json: CfnTemplate;
  readonly outdir: string;
  readonly nag: { readonly awsSolutions: PolicyValidationPluginReport; readonly serverless: PolicyValidationPluginReport };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

/** Synthesizes a PipelineStack; `context` values are given as CDK context (as `-c key=value` would). */
export function synthesize(props: PipelineStackProps = {}, context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pipeline-cdk-'));
  // The CDK's built-in CloudFormation schema validation adds ~20 s per synth;
  // infra/app.ts runs it only with CDK_VALIDATION=true; the tests check the template themselves.
  const app = new App({ outdir, context, builtinCloudFormationValidation: false });
  const stack = new PipelineStack(app, 'TestPipeline', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  const nag = {
    awsSolutions: new AwsSolutionsChecks(app).validateScope(stack),
    serverless: new ServerlessChecks(app).validateScope(stack),
  };
  const template = Template.fromStack(stack);
  const json = JSON.parse(readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8')) as CfnTemplate;
  return { app, stack, template, json, outdir, nag };
}

/** Resources of one type, by logical id. */
export function resourcesOf(json: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

export const SYNTH_TIMEOUT_MS = 240_000;

/** One statement of an IAM policy document. */
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Statements of every policy of the template attached to a role (by logical id). */
export function statementsOf(json: CfnTemplate, role: string): Statement[] {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray(p.Properties?.['Roles'] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })))
    .flatMap(([, p]) => (p.Properties?.['PolicyDocument'] as { Statement: Statement[] }).Statement);
}
