import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/stack.js';
import { attachment, csvCell, csvLine, streamCsv, UTF8_BOM } from '../../src/exports/csv.js';

describe('a CSV cell', () => {
  it('is written as it is when nothing in it needs quoting', () => {
    expect(csvCell('张三')).toBe('张三');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('is quoted, with its quotes doubled, when it holds a comma, a quote or a line break', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
  });

  it('cannot run as a formula in a spreadsheet: text starting with = + - @ gets a leading apostrophe', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+86 138')).toBe("'+86 138");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
  });

  it('writes a signed amount as the number it is, so a column of them still adds up', () => {
    expect(csvCell('-1.00')).toBe('-1.00');
    expect(csvCell('-0.50')).toBe('-0.50');
    expect(csvCell('+3')).toBe('+3');
    expect(csvCell('-1.00+2')).toBe("'-1.00+2");
    expect(csvCell('-1.')).toBe("'-1.");
  });

  it('ends each line with CRLF', () => {
    expect(csvLine(['名次', 1, null, 'a,b'])).toBe('名次,1,,"a,b"\r\n');
  });
});

describe('the download name', () => {
  it('has an ASCII fallback and the exact UTF-8 name', () => {
    expect(attachment('c1-结果.csv')).toBe(
      `attachment; filename="c1-__.csv"; filename*=UTF-8''c1-${encodeURIComponent('结果')}.csv`,
    );
  });
});

describe('streaming a CSV', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A server that streams `total` lines with streamCsv, counting how many the source has yielded. */
  async function serve(total: number) {
    const state = {
      produced: 0,
      res: undefined as Response | undefined,
      written: undefined as number | undefined,
    };
    server = createServer((_req, res) => {
      state.res = res as unknown as Response;
      // streamCsv uses express's res.status/res.set: give the plain response those two.
      Object.assign(res, {
        status: (code: number) => {
          res.statusCode = code;
          return res;
        },
        set: (headers: Record<string, string>) => {
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
          return res;
        },
      });
      async function* lines() {
        for (let i = 0; i < total; i++) {
          state.produced++;
          yield csvLine([i, '排行榜 row', 'x'.repeat(80)]);
        }
      }
      void streamCsv(state.res, 'big.csv', lines(), () => {}).then((n) => {
        state.written = n;
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const [res] = (await Promise.all([
      new Promise<IncomingMessage>((resolve) => get(`http://127.0.0.1:${port}/`, resolve)),
    ])) as [IncomingMessage];
    return { state, res };
  }

  it('pulls rows only as fast as the client reads: a paused client stops the source', async () => {
    const total = 200_000; // about 20 MB of CSV
    const { state, res } = await serve(total);
    res.pause();
    // The server fills the socket's buffers, res.write answers false, and it waits for 'drain'.
    await eventually(
      async () => state.res?.writableNeedDrain === true,
      10_000,
      'the writer to wait for drain',
    );
    const whilePaused = state.produced;
    expect(whilePaused).toBeLessThan(total / 4);
    expect(state.written).toBeUndefined();

    // Reading on lets it finish: every line arrives, after the BOM.
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.resume();
    await once(res, 'end');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    const rows = text.slice(1).split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(total);
    expect(rows[total - 1]).toBe(`${total - 1},排行榜 row,${'x'.repeat(80)}`);
    expect(state.written).toBe(total);
  });

  it('stops reading the source when the client goes away', async () => {
    const { state, res } = await serve(1_000_000);
    res.pause();
    await eventually(
      async () => state.res?.writableNeedDrain === true,
      10_000,
      'the writer to wait for drain',
    );
    res.destroy();
    await eventually(async () => state.written !== undefined, 10_000, 'the stream to give up');
    expect(state.written).toBeLessThan(1_000_000);
  });
});
