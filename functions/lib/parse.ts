/** Input parsing at the edge: zod schema -> typed value, or ValidationError naming the first bad field. */
import { z } from 'zod';
import { FEEDBACK_STEPS, TEAMS } from './contracts';
import { ValidationError } from './errors';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
  throw new ValidationError(field, issue?.message ?? 'is invalid');
}

export const leadIdSchema = z.string().min(1).max(80).regex(/^[A-Za-z0-9_-]+$/, 'must be a lead id');
export const feedbackStepSchema = z.enum(FEEDBACK_STEPS);
export const teamSchema = z.enum(TEAMS);

/** FeedbackAnswer as the state machine passes it back (from $states.result). */
export const feedbackAnswerSchema = z.object({
  step: feedbackStepSchema,
  answer: z.string().min(1).max(100),
  comment: z.string().max(5000),
  ratings: z.record(z.string(), z.number().int().min(1).max(5)),
  details: z.object({
    reasonCode: z.string().max(100).optional(),
    amount: z.number().nonnegative().optional(),
    currency: z.string().max(3).optional(),
    promises: z.string().max(5000).optional(),
    missing: z.string().max(5000).optional(),
    moreOf: z.string().max(5000).optional(),
    difficulties: z.string().max(5000).optional(),
    unkeptPromises: z.string().max(5000).optional(),
  }),
  answeredAt: z.string().min(1),
  answeredBy: z.enum(['owner', 'team-lead']),
});
