/** The fault-injection rules of local/faults.ts: parsing (errors name the field) and when a rule fires. */
import { describe, expect, it } from 'vitest';
import { FaultInjector, operationOf, parseFaultRules } from '../../local/faults';

describe('PIPELINE_FAULTS rules', () => {
  it('parses the documented forms and names the bad field', () => {
    expect(parseFaultRules('[{"target":"lambda:qualify-lead","first":2},{"target":"ses:*","rate":0.5,"seed":3}]')).toEqual([
      { target: 'lambda:qualify-lead', first: 2 },
      { target: 'ses:*', rate: 0.5, seed: 3 },
    ]);
    expect(() => parseFaultRules('{')).toThrow('PIPELINE_FAULTS: must be a JSON array');
    expect(() => parseFaultRules('[{"target":"s3:PutObject","first":1}]')).toThrow('PIPELINE_FAULTS[0].target');
    expect(() => parseFaultRules('[{"target":"lambda:x"}]')).toThrow('needs exactly one of first, calls, rate, always');
    expect(() => parseFaultRules('[{"target":"lambda:x","first":1,"always":true}]')).toThrow('needs exactly one');
    expect(() => parseFaultRules('[{"target":"lambda:x","calls":[0]}]')).toThrow('PIPELINE_FAULTS[0].calls');
    expect(() => parseFaultRules('[{"target":"lambda:x","rate":2}]')).toThrow('PIPELINE_FAULTS[0].rate');
    expect(() => parseFaultRules('[{"target":"lambda:x","first":1,"error":"bad name!"}]')).toThrow('PIPELINE_FAULTS[0].error');
    expect(() => parseFaultRules('[{"target":"lambda:x","first":1,"when":1}]')).toThrow('PIPELINE_FAULTS[0].when');
  });

  it('fires by call count, by call numbers, always, and by a seeded rate; only for its target', () => {
    const f = new FaultInjector(parseFaultRules('[{"target":"lambda:a","first":2},{"target":"dynamodb:PutItem","calls":[2,4]},{"target":"ses:*","always":true,"error":"ServiceUnavailable"}]'));
    expect([1, 2, 3, 4].map(() => f.check('lambda:a'))).toEqual(['Lambda.ServiceException', 'Lambda.ServiceException', undefined, undefined]);
    expect(f.check('lambda:b')).toBeUndefined();
    expect([1, 2, 3, 4, 5].map(() => f.check('dynamodb:PutItem'))).toEqual([undefined, 'InternalServerError', undefined, 'InternalServerError', undefined]);
    expect(f.check('dynamodb:GetItem')).toBeUndefined();
    expect(f.check('ses:SendEmail')).toBe('ServiceUnavailable');
    expect(f.injected.map((i) => `${i.target}#${i.call}`)).toEqual(['lambda:a#1', 'lambda:a#2', 'dynamodb:PutItem#2', 'dynamodb:PutItem#4', 'ses:SendEmail#1']);

    const rated = (seed: number): (string | undefined)[] => {
      const r = new FaultInjector([{ target: 'lambda:*', rate: 0.3, seed }]);
      return Array.from({ length: 1000 }, () => r.check('lambda:x'));
    };
    const a = rated(7);
    expect(rated(7)).toEqual(a);
    const hits = a.filter((x) => x !== undefined).length;
    expect(hits).toBeGreaterThan(230);
    expect(hits).toBeLessThan(370);
  });

  it('reads the operation of DynamoDB and SES requests', () => {
    expect(operationOf('dynamodb', { headers: { 'x-amz-target': 'DynamoDB_20120810.UpdateItem' } }, Buffer.from('{}'))).toBe('UpdateItem');
    expect(operationOf('ses', { method: 'POST', url: '/', headers: {} }, Buffer.from('Action=SendEmail&Version=2010-12-01'))).toBe('SendEmail');
    expect(operationOf('ses', { method: 'POST', url: '/v2/email/outbound-emails', headers: {} }, Buffer.from('{}'))).toBe('SendEmail');
  });
});
