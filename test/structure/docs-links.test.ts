/**
 * README.md and docs/*.md point only at what exists: every relative markdown
 * link (and its #anchor, when it targets a markdown file) and every
 * repository path they name (`functions/lib/feedback/steps.ts`,
 * local/stack.ts, ...). Move or rename a file, or a heading, without fixing
 * the docs, and `npm test` says where.
 *
 * Pragmatic on purpose: a path is only a string starting with one of the
 * repository's top folders (functions/, infra/, local/, test/, bench/,
 * statemachines/, docs/, scripts/), outside URLs; it is checked up to the
 * first placeholder character (`functions/<name>.ts` checks `functions/`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..', '..');

/** Files written by a run, not kept in the repository (.gitignore), that the docs name as outputs. */
const GENERATED = new Set(['bench/engine-results.json']);

const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const TOP_FOLDERS = ['functions', 'infra', 'local', 'test', 'bench', 'statemachines', 'docs', 'scripts'];

/** Markdown links and images: `[text](target)` and `![alt](target)`. */
function markdownLinks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1] ?? '');
  return out;
}

/** Links that stay in the repository (no scheme, no mailto, no protocol-relative URL). */
function isRelative(target: string): boolean {
  return target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//');
}

/**
 * Repository paths named anywhere in the text (prose, code spans, code
 * blocks), cut at the first placeholder or glob character and at trailing
 * punctuation. URLs are removed first so `https://host/test/x` is not one.
 */
function repoPaths(text: string): string[] {
  const withoutUrls = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)>\]`'"]*/gi, ' ');
  const pattern = new RegExp(`(?<![\\w./@-])(?:${TOP_FOLDERS.join('|')})/[\\w./-]*`, 'g');
  const out = new Set<string>();
  for (const m of withoutUrls.matchAll(pattern)) {
    out.add(m[0].replace(/[.]+$/, ''));
  }
  return [...out];
}

/** Code spans that are a path relative to the document (`../shared/design.md`, `./images/x.png`). */
function relativeCodePaths(text: string): string[] {
  return [...text.matchAll(/`(\.{1,2}\/[\w./-]+)`/g)].map((m) => m[1] ?? '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return plain.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a markdown file's headings (repeated ones get -1, -2, ... as on GitHub). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const read = (file: string) => readFileSync(join(REPO, file), 'utf8');

describe('docs link check (the helpers)', () => {
  it('finds relative links and images, not URLs', () => {
    const text = 'See [a](docs/a.md#x), ![b](images/b.png "t"), [c](https://example.com/x) and [d](#local).';
    expect(markdownLinks(text).filter(isRelative)).toEqual(['docs/a.md#x', 'images/b.png', '#local']);
  });

  it('finds repository paths in prose and code, cut at placeholders, not inside URLs', () => {
    const text = [
      'Edit `functions/lib/feedback/steps.ts`, then local/stack.ts.',
      '`functions/<name>.ts` and `npx tsx local/cli.ts digest`',
      'https://pipeline.example.com/test/reply and lib/functions/x.ts',
    ].join('\n');
    expect(repoPaths(text)).toEqual(['functions/lib/feedback/steps.ts', 'local/stack.ts', 'functions/', 'local/cli.ts']);
    expect(relativeCodePaths('The design is `../shared/design.md`; see `docs/x.md`.')).toEqual(['../shared/design.md']);
  });

  it('makes the anchors GitHub makes', () => {
    const md = '# The Model pipeline\n## Run it, test it\n```\n# not a heading\n```\n### `/` Executions\n## Run it, test it\n';
    expect([...anchors(md)]).toEqual(['the-model-pipeline', 'run-it-test-it', '-executions', 'run-it-test-it-1']);
  });
});

describe.each(DOCS)('%s', (doc) => {
  const text = read(doc);
  const here = dirname(join(REPO, doc));

  it('links only to files (and headings) that exist', () => {
    const broken: string[] = [];
    for (const target of markdownLinks(text).filter(isRelative)) {
      const [pathPart = '', anchor] = target.split('#', 2);
      const file = pathPart === '' ? join(REPO, doc) : resolve(here, decodeURIComponent(pathPart));
      const shown = relative(REPO, file) || '.';
      if (!file.startsWith(REPO) || !existsSync(file)) {
        broken.push(`${target} (no file ${shown})`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${target} (no heading #${anchor} in ${shown})`);
      }
    }
    expect(broken, `${doc}: broken links`).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    const missing = [
      ...repoPaths(text).filter((p) => !GENERATED.has(p) && !existsSync(join(REPO, p))),
      ...relativeCodePaths(text).filter((p) => {
        const file = resolve(here, p);
        return !file.startsWith(REPO) || !existsSync(file);
      }),
    ];
    expect(missing, `${doc}: paths that do not exist`).toEqual([]);
  });
});
