/**
 * The CDK app (cdk.json "app": `npx tsx infra/app.ts`): one stack, checked by
 * cdk-nag's AwsSolutions rules on every synth. Settings come from CDK context
 * (`npx cdk deploy -c mailFrom=... -c teams='{"marketing":...}'`); see
 * functions/lib/aws/settings.ts for the keys and their defaults.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PipelineStack } from './pipeline-stack';

// The CDK's built-in CloudFormation schema validation (on by default since
// 2.2xx) costs ~20 s of every synth; cdk-nag below is this app's check.
// Turn it on with CDK_VALIDATION=true.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
const stackName = String(app.node.tryGetContext('stackName') ?? 'TheModelPipeline');

// Environment-agnostic (no `env`): the account, region and partition are
// the deployment's (CloudFormation pseudo parameters in every ARN), not
// values pinned at synth such as the CLI's fallback region. `cdk deploy`
// deploys to the region of the credentials' profile or AWS_REGION.
new PipelineStack(app, stackName, {
  description: 'The Model pipeline: the sales process of "The Model" as a Step Functions workflow, one execution per lead',
});

// cdk-nag v3 is a policy validation plugin (v2 used Aspects): any unacknowledged
// finding fails the synth; acknowledgements with reasons sit next to the
// resources (Validations.of(construct).acknowledge).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
app.synth();
