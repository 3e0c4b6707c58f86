/**
 * What of an answer travels through an execution, and reading the rest back.
 *
 * Only ids and codes travel (execution history is kept 90 days on AWS, and
 * erasure cannot reach it): feedback-page sends SendTaskSuccess a CodedAnswer
 * (step, answer, ratings, reason code, amount, currency, when and by whom,
 * and an answer id), never the comment or a text detail. The whole answer,
 * text included, is recorded on the request's link item (`LINK#<hash>` /
 * `LINK`, feedback/links.ts answerLink: one answer wins), so the answer id is
 * that hash. The steps that use the text (share-feedback, close-deal,
 * open-expansion) read it back from there with loadFeedbackAnswer; erasure
 * replaces the link with a tombstone (leads/erasure.ts), which takes the text
 * with it.
 */
import { logger } from '#lib/aws/observability';
import type { CodedAnswer, FeedbackAnswer, FeedbackCodes } from '#lib/core/contracts';
import { NotFound } from '#lib/core/errors';
import { feedbackStepSchema, parseInput } from '#lib/core/parse';
import * as z from '#lib/core/zod';
import { recordedAnswer } from './links';
import { feedbackAnswerSchema } from './steps';

/** The details that are codes (read by the state machine and close-deal): the only ones that travel. */
const CODE_FIELDS = ['reasonCode', 'amount', 'currency'] as const satisfies readonly (keyof FeedbackCodes)[];
const isCodeField = (field: string): boolean => (CODE_FIELDS as readonly string[]).includes(field);

/** An answer id: the SHA-256 hex of the link id, the key of the link item that holds the answer. */
const ANSWER_ID = /^[0-9a-f]{64}$/;

/** The coded details of an answer's details. */
export function codesOf(details: FeedbackAnswer['details']): FeedbackCodes {
  const codes: FeedbackCodes = {};
  if (typeof details.reasonCode === 'string') codes.reasonCode = details.reasonCode;
  if (typeof details.amount === 'number') codes.amount = details.amount;
  if (typeof details.currency === 'string') codes.currency = details.currency;
  return codes;
}

/** True when the answer has free text: a comment or a text detail. */
export function hasText(answer: Pick<FeedbackAnswer, 'comment' | 'details'>): boolean {
  return answer.comment !== '' || Object.entries(answer.details).some(([field, v]) => !isCodeField(field) && v !== undefined && v !== '');
}

/**
 * What SendTaskSuccess sends for a recorded answer: its codes, and the id of
 * the link item that holds it when it has text to read back.
 */
export function codedAnswer(answer: FeedbackAnswer, answerId: string): CodedAnswer {
  return {
    step: answer.step,
    answer: answer.answer,
    ratings: { ...answer.ratings },
    details: codesOf(answer.details),
    answeredAt: answer.answeredAt,
    answeredBy: answer.answeredBy,
    ...(hasText(answer) ? { answerId } : {}),
  };
}

/** CodedAnswer as the state machine passes it back (the wait task's $states.result). */
export const codedAnswerSchema = z.object({
  step: feedbackStepSchema,
  answer: z.string().check(z.minLength(1), z.maxLength(100)),
  ratings: z.record(z.string(), z.number().check(z.int(), z.gte(1), z.lte(5))),
  details: z.object({
    reasonCode: z.optional(z.string().check(z.maxLength(100))),
    amount: z.optional(z.number().check(z.nonnegative())),
    currency: z.optional(z.string().check(z.maxLength(3))),
  }),
  answeredAt: z.string().check(z.minLength(1)),
  answeredBy: z.enum(['owner', 'team-lead']),
  answerId: z.optional(z.string().check(z.regex(ANSWER_ID, 'must be an answer id'))),
});

/**
 * The answer a state machine step was given (`field` of its event): a
 * CodedAnswer; or, in an execution whose answer was sent before answers
 * travelled as codes (one deployed before this change), the whole
 * FeedbackAnswer with its text inline, told apart by its `comment`. Errors
 * name the field (`decision.details.amount`).
 */
export function parseAnswerInput(value: unknown, field: string): CodedAnswer | FeedbackAnswer {
  const legacy = typeof value === 'object' && value !== null && 'comment' in value && !('answerId' in value);
  const schema = legacy ? feedbackAnswerSchema : codedAnswerSchema;
  return parseInput(z.object({ [field]: schema }), { [field]: value })[field] as CodedAnswer | FeedbackAnswer;
}

/** The answer without text: what a CodedAnswer says when there is none to read (or none left). */
function withoutText(coded: CodedAnswer): FeedbackAnswer {
  return { step: coded.step, answer: coded.answer, comment: '', ratings: coded.ratings, details: { ...coded.details }, answeredAt: coded.answeredAt, answeredBy: coded.answeredBy };
}

/**
 * The whole answer a step was given: a CodedAnswer's text read back from the
 * link item its `answerId` names (one strongly consistent GetItem; none when
 * it has no text). The codes are the ones that travelled. A link erased
 * meanwhile (the lead was erased, its execution is being stopped) gives the
 * answer without text. A missing link, or one recording another answer, is
 * NotFound: the step fails into Needs attention rather than share the answer
 * without its text.
 */
export async function loadFeedbackAnswer(leadId: string, given: CodedAnswer | FeedbackAnswer): Promise<FeedbackAnswer> {
  if ('comment' in given) return given; // an answer sent before answers travelled as codes: its text came inline
  if (given.answerId === undefined) return withoutText(given);
  const found = await recordedAnswer(given.answerId);
  if (found === 'erased') {
    logger.info('answer text erased with its lead', { leadId, step: given.step });
    return withoutText(given);
  }
  const recorded = found !== undefined && found.leadId === leadId && found.step === given.step ? feedbackAnswerSchema.safeParse(found.answer) : undefined;
  if (recorded?.success !== true || recorded.data.answeredAt !== given.answeredAt) {
    throw new NotFound('the recorded answer was not found', { leadId, step: given.step });
  }
  const text = Object.fromEntries(Object.entries(recorded.data.details).filter(([field, v]) => !isCodeField(field) && v !== undefined));
  return { ...withoutText(given), comment: recorded.data.comment, details: { ...text, ...given.details } };
}
