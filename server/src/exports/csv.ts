import type { Response } from 'express';

/** Excel reads a CSV as the system's legacy code page (GBK on Chinese Windows) unless it starts with this. */
export const UTF8_BOM = '\uFEFF';

/** An export's file name, `<campaign id>-<what>-<UTC date and time>.csv`: ids are ASCII, so the name is too. */
export const exportFilename = (campaignId: string, what: string): string =>
  `${campaignId}-${what}-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`;

/** One cell: text, a number, or nothing (an empty cell). */
export type CsvValue = string | number | null | undefined;

/**
 * Characters that make a spreadsheet read a text cell as a formula (CSV injection): `=`, `+`,
 * `-`, `@`, and the tab and carriage return that some of them also honour at the start.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A signed decimal number written as text (an amount such as `-1.00`): a spreadsheet reads it as the number, never a formula. */
const SIGNED_NUMBER = /^[+-]\d+(\.\d+)?$/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * A text cell that a spreadsheet would run as a formula gets a leading `'`, which Excel and
 * WPS show as text; numbers are written as they are (a vote's delta of -1 is a number, not a
 * formula), and so is a signed number written as text, such as a day's negative amount `-1.00`
 * (until 2026-12-07 it got the `'`, and a spreadsheet's sum of its column skipped it).
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) && !SIGNED_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, CRLF-terminated as RFC 4180 and Excel expect. */
export const csvLine = (values: readonly CsvValue[]): string => `${values.map(csvCell).join(',')}\r\n`;

/** A `Content-Disposition` naming the download, with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** Gathers lines into chunks of about this many characters: one write per chunk, not per row. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Streams a CSV download: headers, the BOM, then the lines as the source yields them. Memory stays
 * constant whatever the row count: lines are gathered into chunks of about 64 KiB, and after each
 * chunk the writer waits for 'drain' whenever the socket's buffer is full (res.write answered
 * false), so a slow client slows the database cursor rather than filling the heap.
 *
 * Stops reading (and `return()`s the source, closing a cursor) when the client goes away. An
 * error once the answer has begun cannot become a JSON error any more: the response is destroyed
 * so that the client sees a broken download, never a short file that looks whole.
 *
 * @returns the number of lines written, header included
 */
export async function streamCsv(
  res: Response,
  filename: string,
  lines: AsyncIterable<string>,
  onError: (error: unknown) => void,
): Promise<number> {
  res.status(200);
  res.set({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': attachment(filename),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  let written = 0;
  let chunk = UTF8_BOM;
  const flush = async (): Promise<boolean> => {
    const data = chunk;
    chunk = '';
    if (res.destroyed) return false;
    if (res.write(data)) return true;
    // Wait for the buffer to empty, or for the client to leave ('close' then ends the wait).
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    return !res.destroyed;
  };
  try {
    for await (const line of lines) {
      chunk += line;
      written++;
      if (chunk.length >= CHUNK_CHARS && !(await flush())) return written;
    }
    await flush();
    res.end();
  } catch (error) {
    onError(error);
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  }
  return written;
}
