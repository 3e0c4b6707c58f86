import { describe, expect, it } from 'vitest';
import { csvCell, parseCsv } from '../../local/csv';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers rows by their first line', () => {
    const text = 'email,company,notes\r\na@x.io,"Acme, Inc.","said ""hi"""\r\nb@y.io,Beta,"two\nlines"\nc@z.io,Gamma,\n';
    const r = parseCsv(text);
    expect(r.problems).toEqual([]);
    expect(r.header).toEqual(['email', 'company', 'notes']);
    expect(r.rows.map((row) => row.line)).toEqual([2, 3, 5]);
    expect(r.rows[0]?.record).toEqual({ email: 'a@x.io', company: 'Acme, Inc.', notes: 'said "hi"' });
    expect(r.rows[1]?.record.notes).toBe('two\nlines');
    expect(r.rows[2]?.record).toEqual({ email: 'c@z.io', company: 'Gamma', notes: '' });
  });

  it('reports bad rows by line number, skips them and keeps the good ones', () => {
    const text = ['email,company', 'a@x.io,Acme', 'too,many,fields', '"broken,Acme', 'b@y.io,Beta', '"x"y,Z', 'c@z.io,Gamma'].join('\n');
    const r = parseCsv(text);
    expect(r.rows.map((row) => row.record.email)).toEqual(['a@x.io', 'b@y.io', 'c@z.io']);
    expect(r.problems).toEqual([
      { line: 3, message: 'expected 2 fields, found 3' },
      { line: 4, message: 'unterminated quoted field' },
      { line: 6, message: 'unexpected character after a closing quote' },
    ]);
  });

  it('skips blank lines and a BOM, and rejects a header with duplicate or empty names', () => {
    expect(parseCsv('\ufeffemail\n\na@x.io\n\n').rows).toEqual([{ line: 3, record: { email: 'a@x.io' } }]);
    expect(parseCsv('email,email\na,b').problems[0]?.message).toContain('appears twice');
    expect(parseCsv('email,\na,b').problems[0]?.message).toContain('no name');
    expect(parseCsv('').problems[0]).toEqual({ line: 1, message: 'the file is empty: expected a header row' });
  });

  it('quotes cells that need it so they read back the same', () => {
    const values = ['plain', 'a,b', 'say "x"', 'multi\nline'];
    const r = parseCsv(`h1,h2,h3,h4\n${values.map(csvCell).join(',')}\n`);
    expect(Object.values(r.rows[0]?.record ?? {})).toEqual(values);
  });
});
