/**
 * The zod of the Lambda code: `zod/mini`, with zod's English error messages.
 *
 * Lambda code (functions/ and whatever it imports; infra/settings.ts too, for
 * one style) writes `import * as z from './zod'` (or `'./lib/zod'`), never
 * `from 'zod'`:
 * classic zod does not tree-shake and put 444 KB into every bundle; `zod/mini`
 * is the same zod 4 (same checks, same issues) with a functional API, so a
 * bundle keeps only the checks it uses (about 20 KB). The namespace import
 * matters: `import { z } from ...` defeats tree-shaking.
 *
 * Classic -> mini: `z.string().min(1).max(80)` is
 * `z.string().check(z.minLength(1), z.maxLength(80))`; numbers use
 * `z.gte`/`z.lte`/`z.int()` in `.check(...)`; `x.optional()` is
 * `z.optional(x)`, `x.default(v)` is `z._default(x, v)`, `x.transform(f)` is
 * `z.pipe(x, z.transform(f))`, `x.refine(f, msg)` is `x.check(z.refine(f, msg))`.
 *
 * `zod/mini` loads no locale by itself (every message would read "Invalid
 * input"); configuring English here, in the module every schema imports,
 * keeps the messages classic zod gives.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
