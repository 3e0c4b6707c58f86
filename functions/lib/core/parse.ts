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
