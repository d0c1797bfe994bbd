import { connectMongo } from '@rallyboard/core/db';
import { ERROR_CATALOGUE } from '@rallyboard/core/protocol';
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

interface Operation {
  parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: {
    content: Record<
      string,
      { schema: { properties: Record<string, unknown>; additionalProperties?: unknown } }
    >;
  };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

describe('the API docs', () => {
  it('describe every route from the zod schemas the routes validate with', async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Document;
    expect(doc.openapi).toBe('3.1.0');

    const vote = doc.paths['/api/boards/{boardId}/votes']?.post;
    expect(vote).toBeDefined();
    const params = Object.fromEntries((vote?.parameters ?? []).map((p) => [`${p.in}:${p.name}`, p]));
    expect(params['path:boardId']).toMatchObject({
      required: true,
      schema: { type: 'string', maxLength: 64 },
    });
    expect(params['header:idempotency-key']).toMatchObject({ required: false, schema: { minLength: 8 } });
    const body = vote?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(body?.properties ?? {})).toContain('candidateId');
    // Strict objects say so: unknown fields are refused.
    expect(body?.additionalProperties).toBe(false);
    expect(Object.keys(vote?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '400', '404', '409', '422', '429']),
    );

    const leaderboard = doc.paths['/api/boards/{boardId}/leaderboard']?.get;
    expect(leaderboard?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['boardId', 'window', 'day', 'offset', 'limit']),
    );
  });

  it('have an operation for every route the server defines, with its auth and a 2xx answer', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Document;
    const routes = server.api.routes;
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[path]?.[route.method] as (Operation & { security?: unknown[] }) | undefined;
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {}).some((status) => status.startsWith('2'))).toBe(true);
      expect(operation?.security === undefined, `${route.method} ${route.path}`).toBe(
        route.auth === 'public',
      );
    }
  });

  it('list, for each error status, the catalogue codes with their messages', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as Document;
    const notFound = JSON.stringify(doc.paths['/api/boards/{boardId}/votes']?.post?.responses['404']);
    expect(notFound).toContain('BOARD_NOT_FOUND');
    expect(notFound).toContain(ERROR_CATALOGUE.BOARD_NOT_FOUND.message);
  });

  it('serve a browsable page with its assets from the server itself', async () => {
    const page = await fetch(`${server.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await fetch(`${server.url}${src[1]}`);
      expect(asset.status, src[1]).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, src[1]).toBeGreaterThan(10);
    }
    const init = await (await fetch(`${server.url}/api/docs/init.js`)).text();
    expect(init).toContain("url: '/api/openapi.json'");
  });
});
