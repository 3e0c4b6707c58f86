/**
 * Input parsing at the edge: zod schema -> typed value, or ValidationError naming the first bad field.
 * Lambda code imports zod/mini, as `import * as z from './zod'` (see core/zod.ts), never 'zod'.
 */
import { FEEDBACK_STEPS, TEAMS } from './contracts';
import { ValidationError } from './errors';
import * as z from './zod';

/** What a value of the wrong type must be, by zod's `expected`. */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be an object',
};

/** Is there a value (not undefined) at `path` of `root`? */
function isPresent(root: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== undefined;
}

/**
 * The message of a zod issue on `root` (the parsed input): a wrong type is
 * 'is required' only when the field is absent, otherwise what it must be
 * ('must be text', ...); a schema's own message is kept.
 */
export function issueMessage(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'invalid_type') {
    if (!isPresent(root, issue.path)) return 'is required';
    // zod's own wording ("Invalid input: expected string, received number"); a schema's own message is kept.
    if (issue.message.startsWith('Invalid input')) return EXPECTED[issue.expected] ?? issue.message;
  }
  return issue.message;
}

export function parseInput<S extends z.core.$ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
  throw new ValidationError(field, issue === undefined ? 'is invalid' : issueMessage(issue, value));
}

export const leadIdSchema = z.string().check(z.minLength(1), z.maxLength(80), z.regex(/^[A-Za-z0-9_-]+$/, 'must be a lead id'));
export const feedbackStepSchema = z.enum(FEEDBACK_STEPS);
export const teamSchema = z.enum(TEAMS);
