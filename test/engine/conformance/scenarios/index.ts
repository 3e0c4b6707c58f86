/** All conformance scenarios, grouped by feature area (one file per area). */
import type { Scenario } from '../types';
import { absentFieldScenarios } from './absent-fields';
import { catchScenarios } from './catch';
import { choiceScenarios } from './choice';
import { contextObjectScenarios } from './context-object';
import { functionScenarios } from './functions';
import { historyScenarios } from './history';
import { invalidDefinitionScenarios } from './invalid-definitions';
import { mapScenarios } from './map';
import { parallelScenarios } from './parallel';
import { passScenarios } from './pass';
import { queryErrorScenarios } from './query-errors';
import { retryScenarios } from './retry';
import { statesVariableScenarios } from './states-variable';
import { succeedFailScenarios } from './succeed-fail';
import { taskCallbackScenarios } from './task-callback';
import { taskDynamoDbScenarios } from './task-dynamodb';
import { taskLambdaScenarios } from './task-lambda';
import { timeoutScenarios } from './timeouts';
import { variableScenarios } from './variables';
import { waitScenarios } from './wait';

export interface Area {
  name: string;
  scenarios: Scenario[];
}

export const areas: Area[] = [
  { name: 'Pass and Output', scenarios: passScenarios },
  { name: 'Task: Lambda', scenarios: taskLambdaScenarios },
  { name: 'Task: waitForTaskToken callbacks', scenarios: taskCallbackScenarios },
  { name: 'Task: DynamoDB', scenarios: taskDynamoDbScenarios },
  { name: 'Choice', scenarios: choiceScenarios },
  { name: 'Wait', scenarios: waitScenarios },
  { name: 'Parallel', scenarios: parallelScenarios },
  { name: 'Map', scenarios: mapScenarios },
  { name: 'Succeed and Fail', scenarios: succeedFailScenarios },
  { name: 'Variables and Assign', scenarios: variableScenarios },
  { name: '$states', scenarios: statesVariableScenarios },
  { name: '$states.context per state type', scenarios: contextObjectScenarios },
  { name: 'JSONata functions', scenarios: functionScenarios },
  { name: 'Retry', scenarios: retryScenarios },
  { name: 'Catch', scenarios: catchScenarios },
  { name: 'Timeouts', scenarios: timeoutScenarios },
  { name: 'States.QueryEvaluationError', scenarios: queryErrorScenarios },
  { name: 'Absent fields (undefined)', scenarios: absentFieldScenarios },
  { name: 'Invalid definitions', scenarios: invalidDefinitionScenarios },
  { name: 'Execution history', scenarios: historyScenarios },
];
