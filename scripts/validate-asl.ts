/**
 * Lint step: validates state machine definitions through the embedded
 * engine's ValidateStateMachineDefinition (the Step Functions API over HTTP,
 * called with @aws-sdk/client-sfn). CDK `${Key}` substitutions get stand-ins:
 * `*FunctionArn` a Lambda ARN, `Partition` "aws", `*Seconds` / `Max*` a number.
 *
 *   npx tsx scripts/validate-asl.ts [file.asl.json ...]   (default: statemachines/lead-lifecycle.asl.json)
 */
import { readFile } from 'node:fs/promises';
import { SFNClient, ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { createEngine } from '../local/engine/index';
import { startSfnServer } from '../local/engine/http-server';

function standIn(key: string): string {
  if (key.endsWith('FunctionArn')) return `arn:aws:lambda:us-east-1:123456789012:function:${key.replace(/Arn$/, '')}`;
  if (key === 'Partition') return 'aws';
  if (/Seconds$|^Max/.test(key)) return '60';
  return `placeholder-${key}`;
}

const files = process.argv.slice(2);
if (files.length === 0) files.push('statemachines/lead-lifecycle.asl.json');

const engine = createEngine();
await engine.start();
const server = await startSfnServer(engine);
const sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
let failed = false;
try {
  for (const file of files) {
    const definition = (await readFile(file, 'utf8')).replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (_whole, key: string) => standIn(key));
    const res = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
    if (res.result === 'OK') {
      console.log(`${file}: OK`);
      continue;
    }
    failed = true;
    for (const d of res.diagnostics ?? []) console.error(`${file}: ${d.severity} ${d.code} at ${d.location ?? '/'}: ${d.message}`);
  }
} finally {
  sfn.destroy();
  await server.close();
  await engine.stop();
}
process.exit(failed ? 1 : 0);
