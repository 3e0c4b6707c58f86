/** Optimized DynamoDB integrations against dynalite (table ConformanceTable, hash key pk: S). */
import { TABLE, jsonata, type Scenario } from '../types';

const DOC_DDB = 'https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html';
const LS_DDB = 'localstack/localstack tests/aws/services/stepfunctions/v2/services/test_dynamodb_task_service.snapshot.json';
const LS_DDB_ERRORS = 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_task_service_dynamodb.snapshot.json';

const put = (pk: string, extra: Record<string, unknown> = {}, next: Record<string, unknown> = { End: true }): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::dynamodb:putItem',
  Arguments: { TableName: TABLE, Item: { pk: { S: pk }, ...extra } },
  ...next,
});

const get = (pk: string, next: Record<string, unknown>): Record<string, unknown> => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::dynamodb:getItem',
  Arguments: { TableName: TABLE, Key: { pk: { S: pk } } },
  ...next,
});

export const taskDynamoDbScenarios: Scenario[] = [
  {
    name: 'putItem then getItem returns the item in attribute-value form',
    source: [DOC_DDB, LS_DDB],
    dynamodb: true,
    definition: jsonata('Put', {
      Put: put('{% $states.input.id %}', { name: { S: '{% $states.input.name %}' }, qty: { N: '{% $string($states.input.qty) %}' } }, { Output: '{% $states.input %}', Next: 'Get' }),
      Get: get('{% $states.input.id %}', { Output: '{% $states.result.Item %}', End: true }),
    }),
    input: { id: 'ddb-put-get', name: 'widget', qty: 3 },
    expect: { status: 'SUCCEEDED', output: { pk: { S: 'ddb-put-get' }, name: { S: 'widget' }, qty: { N: '3' } } },
  },
  {
    name: 'getItem of a missing key has no Item',
    source: [DOC_DDB, 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html'],
    dynamodb: true,
    definition: jsonata('Get', { Get: get('ddb-never-written', { Output: { found: '{% $exists($states.result.Item) %}' }, End: true }) }),
    expect: { status: 'SUCCEEDED', output: { found: false } },
  },
  {
    name: 'updateItem with ReturnValues ALL_NEW returns Attributes',
    source: [DOC_DDB, LS_DDB],
    dynamodb: true,
    definition: jsonata('Put', {
      Put: put('ddb-update', { count: { N: '1' } }, { Output: '{% $states.input %}', Next: 'Update' }),
      Update: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Arguments: {
          TableName: TABLE,
          Key: { pk: { S: 'ddb-update' } },
          UpdateExpression: 'SET #c = #c + :inc, #s = :s',
          ExpressionAttributeNames: { '#c': 'count', '#s': 'status' },
          ExpressionAttributeValues: { ':inc': { N: '{% $string($states.input.inc) %}' }, ':s': { S: 'updated' } },
          ReturnValues: 'ALL_NEW',
        },
        Output: '{% $states.result.Attributes %}',
        End: true,
      },
    }),
    input: { inc: 4 },
    expect: { status: 'SUCCEEDED', output: { pk: { S: 'ddb-update' }, count: { N: '5' }, status: { S: 'updated' } } },
  },
  {
    name: 'deleteItem removes the item; a later getItem finds nothing',
    source: [DOC_DDB, LS_DDB],
    dynamodb: true,
    definition: jsonata('Put', {
      Put: put('ddb-delete', {}, { Next: 'Delete' }),
      Delete: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:deleteItem',
        Arguments: { TableName: TABLE, Key: { pk: { S: 'ddb-delete' } }, ReturnValues: 'ALL_OLD' },
        Assign: { deleted: '{% $states.result.Attributes.pk.S %}' },
        Next: 'Get',
      },
      Get: get('ddb-delete', { Output: { deleted: '{% $deleted %}', stillThere: '{% $exists($states.result.Item) %}' }, End: true }),
    }),
    expect: { status: 'SUCCEEDED', output: { deleted: 'ddb-delete', stillThere: false } },
  },
  {
    name: 'putItem result carries no Attributes by default and the state output is the service response',
    source: [DOC_DDB, LS_DDB],
    dynamodb: true,
    definition: jsonata('Put', { Put: put('ddb-put-result', {}, { Output: { hasAttributes: '{% $exists($states.result.Attributes) %}' }, End: true }) }),
    expect: { status: 'SUCCEEDED', output: { hasAttributes: false } },
  },
  {
    name: 'putItem on a missing table fails with DynamoDB.ResourceNotFoundException',
    source: LS_DDB_ERRORS,
    dynamodb: true,
    definition: jsonata('PutItem', {
      PutItem: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Arguments: { TableName: 'NoSuchTable', Item: { data: { S: 'HelloWorld' }, id: { S: 'id1' } } }, End: true },
    }),
    expect: { status: 'FAILED', error: 'DynamoDB.ResourceNotFoundException', causeContains: ['Requested resource not found'] },
  },
  {
    name: 'A failed ConditionExpression raises DynamoDB.ConditionalCheckFailedException, caught by Catch',
    source: [DOC_DDB, 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html'],
    dynamodb: true,
    definition: jsonata('First', {
      First: put('ddb-conditional', {}, { Next: 'Second' }),
      Second: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Arguments: { TableName: TABLE, Item: { pk: { S: 'ddb-conditional' } }, ConditionExpression: 'attribute_not_exists(pk)' },
        Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Output: { error: '{% $states.errorOutput.Error %}' }, Next: 'Duplicate' }],
        End: true,
      },
      Duplicate: { Type: 'Pass', End: true },
    }),
    expect: { status: 'SUCCEEDED', output: { error: 'DynamoDB.ConditionalCheckFailedException' }, history: { statesEntered: ['First', 'Second', 'Duplicate'] } },
  },
];
