import Table from 'cli-table3';

export interface OutputOptions {
  json?: boolean;
}

/** `--json`: the data as JSON for scripts; otherwise a table for people. */
export function printRows(rows: Record<string, unknown>[], columns: string[], options: OutputOptions): void {
  if (options.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const table = new Table({ head: columns, style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => cell(row[c])));
  console.log(table.toString());
}

/** One record: JSON, or a two-column key/value table. */
export function printRecord(record: Record<string, unknown>, options: OutputOptions): void {
  if (options.json) {
    console.log(JSON.stringify(record, null, 2));
    return;
  }
  const table = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of Object.entries(record)) table.push({ [key]: cell(value) });
  console.log(table.toString());
}

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
