import { afterAll, describe, expect, it } from 'vitest';
import type { RouteSpec } from '../../src/http/api.js';
import { keyOf, validExamples } from '../support/hostile/examples.js';
import { createHostileFixture, signIn } from '../support/hostile/fixture.js';
import { send, wireOf } from '../support/hostile/requests.js';
import { snapshotWrites, writesBetween } from '../support/hostile/writes.js';

/**
 * What the hostile-input test of every route (hostile-input-routes.test.ts) stands on: a valid
 * example for every route, and a write check that sees what a valid request writes. A fixture of
 * its own, in a Redis database of its own.
 */

const fixture = await createHostileFixture(12);
const { server } = fixture;
const EXAMPLES = validExamples(fixture);
const routes = server.api.routes;

afterAll(() => fixture.close());

describe('hostile input on every HTTP endpoint', () => {
  it('has a valid example for every route', () => {
    expect(routes.map(keyOf).filter((key) => !(key in EXAMPLES))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((key) => !routes.some((r) => keyOf(r) === key))).toEqual([]);
  });

  it('sees what a valid request writes, so it would see a refused one write', async () => {
    const before = await snapshotWrites(server.deps);
    const vote = wireOf(routes.find((r) => keyOf(r) === 'POST /api/boards/:boardId/votes') as RouteSpec, {
      ...EXAMPLES['POST /api/boards/:boardId/votes'],
      headers: { 'idempotency-key': 'hostile-self-check' },
    });
    expect((await send(server.url, vote)).status).toBe(202);
    expect(await signIn(server, 'ok-hostile-self-check')).toEqual(expect.any(String));
    const writes = writesBetween(before, await snapshotWrites(server.deps));
    expect(writes).toContain('votes queue waiting: 0 → 1');
    expect(writes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^document added: participants\//)]),
    );
    expect(writes).toEqual(expect.arrayContaining([expect.stringMatching(/^redis key added: .*:auth:/)]));
  });
});
