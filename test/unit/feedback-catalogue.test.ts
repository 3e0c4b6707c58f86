// The feedback catalogue (functions/lib/feedback/steps.ts) is the one place a
// question is declared. A text question added to a fixture catalogue is
// parsed (the form and the state machine's schema), routed to the team it is
// about, quoted in the digest under its heading, flags the feedback when it
// says so, and is erased with the lead (on a real table: dynalite in-process);
// a question declaring none of that is parsed only. The real catalogue still
// derives the lists the code used to write out by hand.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackAnswer } from '#lib/core/contracts';
import type { DetailQuestion, FeedbackCatalogue } from '#lib/feedback/steps';
import type { FeedbackItem } from '#lib/feedback/records';
import { createTableInput } from '../../infra/table-schema';

const TABLE = 'feedback-catalogue-test';
const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
Object.assign(process.env, {
  TABLE_NAME: TABLE,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:lead-lifecycle',
});
const sfnMock = mockClient(SFNClient);

const { ddb } = await import('#lib/aws/clients');
const { feedbackKey, leadKey } = await import('#lib/core/keys');
const { parseInput } = await import('#lib/core/parse');
const { digestContent, renderDigest } = await import('#lib/digest/content');
const { needsAttention } = await import('#lib/feedback/sharing');
const { FEEDBACK_STEP_DEFINITIONS, digestNoteFields, feedbackAnswerSchema, feedbackAnswerSchemaFor, feedbackFor, flaggedDetailFields, parseFeedbackForm, personalDetailFields, textDetailFields } = await import(
  '#lib/feedback/steps'
);
const { eraseLead, feedbackTextPaths } = await import('#lib/leads/erasure');

/** The new question: quotes the customer, reports a problem, belongs in Inside Sales' digest. */
const COMPETITORS: DetailQuestion = {
  field: 'competitors',
  label: 'Which competitors did the customer name?',
  kind: 'text',
  about: 'inside-sales',
  personal: true,
  flags: true,
  digest: { heading: 'Competitors named', order: 5 },
};
/** A question that declares nothing more: parsed and stored, nothing else. */
const AGENDA: DetailQuestion = { field: 'agenda', label: 'What was on the agenda?', kind: 'text', about: 'inside-sales' };

const meeting = FEEDBACK_STEP_DEFINITIONS['meeting-outcome'];
const CATALOGUE: FeedbackCatalogue = { ...FEEDBACK_STEP_DEFINITIONS, 'meeting-outcome': { ...meeting, details: [...meeting.details, COMPETITORS, AGENDA] } };

beforeAll(async () => {
  const client = new DynamoDBClient({ endpoint });
  await client.send(new CreateTableCommand(createTableInput(TABLE)));
  client.destroy();
  sfnMock.on(StopExecutionCommand).resolves({});
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const META = { answeredAt: '2026-11-18T10:00:00.000Z', answeredBy: 'owner' } as const;
const FORM = { answer: 'held-proceed', 'rating.budget-accuracy': '4', competitors: 'Acme Analytics', agenda: 'Pricing, SSO' };
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

function received(details: FeedbackAnswer['details']): FeedbackItem {
  return {
    leadId: 'lead-1',
    step: 'meeting-outcome',
    from: 'field-sales',
    to: 'inside-sales',
    pair: 'field-sales->inside-sales',
    toOwner: 'sdr1@example.com',
    answer: 'held-proceed',
    ratings: { 'budget-accuracy': 4 },
    details,
    comment: '',
    answeredAt: META.answeredAt,
    answeredBy: 'owner',
  };
}

describe('the real catalogue', () => {
  it('derives the text fields, the personal and flagged ones, and the digest headings in their order', () => {
    expect(sorted(textDetailFields())).toEqual(['difficulties', 'missing', 'moreOf', 'promises', 'unkeptPromises']);
    expect(sorted(personalDetailFields())).toEqual(['difficulties', 'missing', 'moreOf', 'promises', 'unkeptPromises']);
    expect(sorted(feedbackTextPaths())).toEqual(['details.difficulties', 'details.missing', 'details.moreOf', 'details.promises', 'details.unkeptPromises']);
    expect(sorted(flaggedDetailFields())).toEqual(['difficulties', 'missing', 'unkeptPromises']);
    expect(digestNoteFields()).toEqual([
      { field: 'missing', heading: 'What was missing' },
      { field: 'unkeptPromises', heading: 'Promises not kept' },
      { field: 'difficulties', heading: 'Difficulties the customer faces' },
      { field: 'moreOf', heading: 'Do more of' },
    ]);
  });

  it('names no text question like a detail the state machine reads', () => {
    for (const field of textDetailFields()) expect(['reasonCode', 'amount', 'currency']).not.toContain(field);
  });
});

describe('a question added to the catalogue', () => {
  it('is parsed from the form, and kept by the state-machine schema', () => {
    const answer = parseFeedbackForm('meeting-outcome', FORM, META, CATALOGUE);
    expect(answer.details).toEqual({ competitors: 'Acme Analytics', agenda: 'Pricing, SSO' });
    // The real form does not render them: refused, naming the first (a form keeps only the fields it rendered).
    expect(() => parseFeedbackForm('meeting-outcome', FORM, META)).toThrow(expect.objectContaining({ field: 'competitors' }));

    expect(parseInput(feedbackAnswerSchemaFor(CATALOGUE), answer).details).toEqual({ competitors: 'Acme Analytics', agenda: 'Pricing, SSO' });
    expect(parseInput(feedbackAnswerSchema, answer).details).toEqual({});
    expect(() => parseInput(feedbackAnswerSchemaFor(CATALOGUE), { ...answer, details: { competitors: 'x'.repeat(5001) } })).toThrow(/details\.competitors/);
  });

  it('goes to the team it is about, and flags the feedback only where declared', () => {
    const answer = parseFeedbackForm('meeting-outcome', FORM, META, CATALOGUE);
    expect(feedbackFor('inside-sales', answer, CATALOGUE).details).toEqual({ competitors: 'Acme Analytics', agenda: 'Pricing, SSO' });
    expect(feedbackFor('marketing', answer, CATALOGUE).details).toEqual({});

    expect(needsAttention({ ratings: {}, details: { competitors: 'Acme Analytics' } }, CATALOGUE)).toBe(true);
    expect(needsAttention({ ratings: {}, details: { agenda: 'Pricing, SSO' } }, CATALOGUE)).toBe(false);
    expect(needsAttention({ ratings: {}, details: { competitors: 'Acme Analytics' } })).toBe(false);
  });

  it('is quoted in the receiving team digest under its heading', () => {
    const input = {
      team: 'inside-sales' as const,
      period: { start: '2026-11-16T08:00:00.000Z', end: '2026-11-23T08:00:00.000Z' },
      previousPeriod: { start: '2026-11-09T08:00:00.000Z', end: '2026-11-16T08:00:00.000Z' },
      timezone: 'UTC',
      received: [received({ competitors: 'Acme Analytics', agenda: 'Pricing, SSO' })],
      given: [],
    };
    const content = digestContent(input, CATALOGUE);
    expect(content?.groups[0]?.notes.map((n) => [n.heading, n.text])).toEqual([['Competitors named', 'Acme Analytics']]);
    expect(content && renderDigest(content).text).toContain('Acme Analytics');
    expect(digestContent(input)?.groups[0]?.notes).toEqual([]);
  });

  describe('erasure', () => {
    it('lists it among the fields to remove when it is personal', () => {
      expect(feedbackTextPaths(CATALOGUE)).toContain('details.competitors');
      expect(feedbackTextPaths(CATALOGUE)).not.toContain('details.agenda');
      expect(feedbackTextPaths()).not.toContain('details.competitors');
    });

    it('removes it from the stored feedback of an erased lead, keeping the rest', async () => {
      const item = received({ competitors: 'Acme Analytics', agenda: 'Pricing, SSO', reasonCode: 'no-need' });
      const now = new Date().toISOString();
      await ddb.send(
        new PutCommand({
          TableName: TABLE,
          Item: { ...leadKey(item.leadId), leadId: item.leadId, name: 'Ingrid', email: 'ingrid@example.org', company: 'Erasable GmbH', stage: 'negotiating', stageChangedAt: now, createdAt: now, updatedAt: now, owners: {} },
        }),
      );
      const key = feedbackKey(item.leadId, item.answeredAt, item.step, item.to);
      await ddb.send(new PutCommand({ TableName: TABLE, Item: { ...key, type: 'FEEDBACK', ...item, comment: 'Ingrid mentioned Acme' } }));

      expect(await eraseLead(item.leadId, new Date(), CATALOGUE)).toMatchObject({ erased: true, feedbackItemsCleaned: 1 });

      const stored = (await ddb.send(new GetCommand({ TableName: TABLE, Key: key }))).Item;
      expect(stored?.details).toEqual({ agenda: 'Pricing, SSO', reasonCode: 'no-need' });
      expect(stored?.comment).toBe('');
      expect(stored?.ratings).toEqual({ 'budget-accuracy': 4 });
    });
  });
});
