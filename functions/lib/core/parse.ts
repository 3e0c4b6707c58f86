/**
 * Input parsing at the edge: zod schema -> typed value, or ValidationError naming the first bad field.
 * Lambda code imports zod/mini, as `import * as z from './zod'` (see core/zod.ts), never 'zod'.
 */
import { FEEDBACK_STEPS, TEAMS } from './contracts';
import { ValidationError } from './errors';
import * as z from './zod';

export function parseInput<S extends z.core.$ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
  throw new ValidationError(field, issue?.message ?? 'is invalid');
}

export const leadIdSchema = z.string().check(z.minLength(1), z.maxLength(80), z.regex(/^[A-Za-z0-9_-]+$/, 'must be a lead id'));
export const feedbackStepSchema = z.enum(FEEDBACK_STEPS);
export const teamSchema = z.enum(TEAMS);

/** FeedbackAnswer as the state machine passes it back (from $states.result). */
export const feedbackAnswerSchema = z.object({
  step: feedbackStepSchema,
  answer: z.string().check(z.minLength(1), z.maxLength(100)),
  comment: z.string().check(z.maxLength(5000)),
  ratings: z.record(z.string(), z.number().check(z.int(), z.gte(1), z.lte(5))),
  details: z.object({
    reasonCode: z.optional(z.string().check(z.maxLength(100))),
    amount: z.optional(z.number().check(z.nonnegative())),
    currency: z.optional(z.string().check(z.maxLength(3))),
    promises: z.optional(z.string().check(z.maxLength(5000))),
    missing: z.optional(z.string().check(z.maxLength(5000))),
    moreOf: z.optional(z.string().check(z.maxLength(5000))),
    difficulties: z.optional(z.string().check(z.maxLength(5000))),
    unkeptPromises: z.optional(z.string().check(z.maxLength(5000))),
  }),
  answeredAt: z.string().check(z.minLength(1)),
  answeredBy: z.enum(['owner', 'team-lead']),
});
