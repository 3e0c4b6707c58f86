/**
 * CSV for the CLI's lead import (RFC 4180: quoted fields, doubled quotes,
 * commas and line breaks inside quotes, CRLF or LF). A bad row is reported
 * with the line number it starts on and skipped; good rows are kept.
 */

interface CsvRow {
  /** 1-based line number where the record starts in the file. */
  line: number;
  record: Record<string, string>;
}

export interface CsvProblem {
  line: number;
  message: string;
}

interface CsvResult {
  header: string[];
  rows: CsvRow[];
  problems: CsvProblem[];
}

interface RawRecord {
  line: number;
  fields: string[];
  error?: string;
}

/** Splits text into records of fields; never throws. */
function tokenize(text: string): RawRecord[] {
  const records: RawRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // BOM
  let line = 1;
  while (i < text.length) {
    const start = line;
    const startIndex = i;
    const fields: string[] = [];
    let field = '';
    let error: string | undefined;
    let endOfRecord = false;
    let fieldStart = true;
    while (i < text.length && !endOfRecord) {
      const c = text[i];
      if (fieldStart && c === '"') {
        // quoted field
        i += 1;
        let closed = false;
        while (i < text.length) {
          const q = text[i];
          if (q === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            closed = true;
            break;
          }
          if (q === '\n') line += 1;
          field += q;
          i += 1;
        }
        if (!closed) {
          // Report it and resume on the next line, so the rows after it are kept.
          error = 'unterminated quoted field';
          const nl = text.indexOf('\n', startIndex);
          i = nl < 0 ? text.length : nl + 1;
          line = start + 1;
          break;
        }
        // after closing quote: a separator, end of line or end of text
        const after = text[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          if (line > start) {
            // The quote ran over line ends into later rows: most likely a quote
            // left open. Report this row and resume on the next line.
            error = 'unterminated quoted field';
            const nl = text.indexOf('\n', startIndex);
            i = nl < 0 ? text.length : nl + 1;
            line = start + 1;
            break;
          }
          error = 'unexpected character after a closing quote';
          // skip to the end of this line
          while (i < text.length && text[i] !== '\n') i += 1;
        }
        fieldStart = false;
        continue;
      }
      if (c === ',') {
        fields.push(field);
        field = '';
        fieldStart = true;
        i += 1;
        continue;
      }
      if (c === '\r' && text[i + 1] === '\n') {
        i += 2;
        line += 1;
        endOfRecord = true;
        continue;
      }
      if (c === '\n' || c === '\r') {
        i += 1;
        line += 1;
        endOfRecord = true;
        continue;
      }
      field += c;
      fieldStart = false;
      i += 1;
    }
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank) records.push(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
  return records;
}

/** Parses a CSV file whose first record names the columns. */
export function parseCsv(text: string): CsvResult {
  const records = tokenize(text);
  const first = records[0];
  if (first === undefined) return { header: [], rows: [], problems: [{ line: 1, message: 'the file is empty: expected a header row' }] };
  const header = first.fields.map((h) => h.trim());
  const problems: CsvProblem[] = [];
  if (first.error !== undefined) problems.push({ line: first.line, message: `header: ${first.error}` });
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') problems.push({ line: first.line, message: 'header: a column has no name' });
    else if (seen.has(h)) problems.push({ line: first.line, message: `header: column "${h}" appears twice` });
    seen.add(h);
  }
  if (problems.length > 0) return { header, rows: [], problems };
  const rows: CsvRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.error !== undefined) {
      problems.push({ line: rec.line, message: rec.error });
      continue;
    }
    if (rec.fields.length !== header.length) {
      problems.push({ line: rec.line, message: `expected ${header.length} fields, found ${rec.fields.length}` });
      continue;
    }
    const record: Record<string, string> = {};
    header.forEach((h, k) => {
      record[h] = (rec.fields[k] ?? '').trim();
    });
    rows.push({ line: rec.line, record });
  }
  return { header, rows, problems };
}

/** Quotes a value for a CSV cell when needed. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
