/**
 * What `npm run lint` refuses: an import cycle (type-only imports included)
 * and a source file over 600 lines. The checks themselves, and the repository
 * passing them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { findCycles, importedSpecifiers, importGraph } from '../../scripts/check-import-cycles';

const REPO = resolve(import.meta.dirname, '..', '..');

describe('import cycle check', () => {
  it('reads static, type-only, re-exported and dynamic imports', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export { c } from './c';",
      "export type { D } from './d';",
      "const e = await import('./e');",
      "type F = import('./f').F;",
    ].join('\n');
    expect(importedSpecifiers('x.ts', text)).toEqual(['./a', './b', './c', './d', './e', './f']);
  });

  it('finds a circle of any length and leaves a tree alone', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'cycle-fixture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a circle closed by a type-only import', () => {
    writeFileSync(join(dir, 'record.ts'), "import type { Row } from './layout';\nexport interface Lead { rows: Row[] }\n");
    writeFileSync(join(dir, 'layout.ts'), "import type { Lead } from './record';\nexport interface Row { lead: Lead }\n");
    const graph = importGraph([dir]);
    expect(findCycles(graph)).toEqual([[join(dir, 'layout.ts'), join(dir, 'record.ts')]]);
  });

  it('passes on functions/, infra/ and local/ (npm run lint runs the same check)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-import-cycles.ts'], { cwd: REPO, encoding: 'utf8' });
    expect(out).toMatch(/No import cycles in functions, infra, local/);
  });
});

describe('file length', () => {
  it('refuses a source file over 600 lines and accepts one of 600', async () => {
    const eslint = new ESLint({ cwd: REPO });
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
    const [long] = await eslint.lintText(lines(601), { filePath: join(REPO, 'functions', 'lib', 'long.ts') });
    expect(long?.messages.map((m) => m.ruleId)).toContain('max-lines');
    const [ok] = await eslint.lintText(lines(600), { filePath: join(REPO, 'functions', 'lib', 'ok.ts') });
    expect(ok?.messages.map((m) => m.ruleId)).not.toContain('max-lines');
  });
});
