// docs/scoring.md carries the default weights as JSON; it must match the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_WEIGHTS } from '#lib/leads/scoring';

describe('docs/scoring.md', () => {
  it('documents the current default weights', () => {
    const doc = readFileSync(new URL('../../docs/scoring.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    expect(JSON.parse(block ?? 'null')).toEqual(DEFAULT_SCORING_WEIGHTS);
  });
});
