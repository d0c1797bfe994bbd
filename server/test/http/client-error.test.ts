import { connect } from 'node:net';
import { connectMongo } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';

const config = testConfig();
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** Writes raw bytes to the server and reads everything it answers until it closes the connection. */
function raw(request: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;

describe("requests Node's HTTP parser refuses", () => {
  it('answers an address past the header limit with 431 HEADERS_TOO_LARGE', async () => {
    const res = await fetch(`${server.url}/api/boards/${'a'.repeat(100_000)}/totals`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: {
        code: 'HEADERS_TOO_LARGE',
        message: 'The address or the headers of the request are too large.',
      },
    });
  });

  it('answers a header past the limit with 431 HEADERS_TOO_LARGE', async () => {
    const res = await fetch(`${server.url}/healthz`, {
      headers: { authorization: `Bearer ${'a'.repeat(100_000)}` },
    });
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
  });

  it('answers a request that is not HTTP with 400 INVALID_INPUT', async () => {
    const answer = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bodyOf(answer)).toEqual({
      error: { code: 'INVALID_INPUT', message: 'The request is not valid HTTP.' },
    });
  });

  it('keeps serving other requests afterwards', async () => {
    await raw('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect((await fetch(`${server.url}/api/boards/nothing-here/totals`)).status).toBe(404);
  });
});
