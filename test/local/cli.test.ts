import { describe, expect, it } from 'vitest';
import { importCsv, progressBar, rowToLead } from '../../local/cli';

describe('CLI lead import', () => {
  it('types CSV cells as the POST /leads body expects and names bad fields', () => {
    expect(rowToLead({ name: 'Ada', email: 'ada@x.io', company_size: '250', pages_viewed: '12', consent: 'yes', title: '' })).toEqual({
      lead: { name: 'Ada', email: 'ada@x.io', companySize: 250, pagesViewed: 12, consent: true },
      problems: [],
    });
    expect(rowToLead({ name: 'Ada', companySize: '51-200' }).lead).toEqual({ name: 'Ada', companySize: '51-200', consent: true });
    expect(rowToLead({ pagesViewed: 'many', consent: 'maybe' }).problems).toEqual(['pagesViewed: must be a whole number', 'consent: must be true or false']);
  });

  it('adds the good rows, reports the bad ones by line (CSV errors, field errors, server 400s) and reports progress', async () => {
    const csv = [
      'name,email,company,pagesViewed',
      'Ada,ada@x.io,Acme,3',
      'Bob,bob@x.io,Beta,lots',
      '"Cy,cy@x.io,Gamma,1',
      'Dee,not-an-email,Delta,2',
      'Eve,eve@x.io,Eps,0',
      'Ada,ada@x.io,Acme,3',
    ].join('\n');
    const seen = new Set<string>();
    const post = async (lead: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> => {
      if (!String(lead.email).includes('@')) return { status: 400, body: { errors: [{ field: 'email', message: 'must be an email address' }] } };
      const dup = seen.has(String(lead.email));
      seen.add(String(lead.email));
      return { status: dup ? 200 : 201, body: { leadId: 'x' } };
    };
    const progress: string[] = [];
    const report = await importCsv(csv, post, (d, t, b) => progress.push(`${d}/${t}/${b}`), 1);
    expect(report.added).toBe(2);
    expect(report.duplicates).toBe(1);
    expect(report.skipped).toEqual([
      { line: 3, message: 'pagesViewed: must be a whole number' },
      { line: 4, message: 'unterminated quoted field' },
      { line: 5, message: 'email: must be an email address' },
    ]);
    expect(progress[0]).toBe('0/5/1');
    expect(progress[progress.length - 1]).toBe('5/5/3');
  });

  it('draws a progress bar', () => {
    expect(progressBar(5, 10, 0, 10)).toBe('[#####-----] 5/10 rows');
    expect(progressBar(0, 0, 2, 4)).toBe('[####] 0/0 rows, 2 bad');
  });
});
