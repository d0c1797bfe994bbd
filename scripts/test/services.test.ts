import { createServer, type Server } from 'node:net';
import { loadConfig } from '@rallyboard/core/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceStatuses, startServices, stopServices } from '../services/index.js';
import { ServiceError } from '../services/process.js';
import { localRedis } from '../services/redis.js';

// The run's own configuration: the same services the global setup brought up.
const config = loadConfig();

describe('npm run services -- start, run a second time', () => {
  it('starts no duplicates and reports the services healthy', async () => {
    const before = await serviceStatuses(config);
    const again = await startServices(config);
    expect(again.every((s) => s.healthy)).toBe(true);
    expect(again.some((s) => s.started)).toBe(false);
    expect(again.map((s) => [s.name, s.pid])).toEqual(before.map((s) => [s.name, s.pid]));
    const managed = again.filter((s) => s.managed).map((s) => s.name);
    expect(managed).toEqual([
      ...(config.redis.managed ? ['redis'] : []),
      ...(config.mongo.managed ? ['ferretdb'] : []),
    ]);
  });
});

describe('npm run services: stopping only what a run started', () => {
  it('leaves running the services it is not asked to stop', async () => {
    const before = await serviceStatuses(config);
    expect(
      await stopServices(
        config,
        {},
        before.map((s) => ({ name: s.name, started: false })),
      ),
    ).toEqual([]);
    const after = await serviceStatuses(config);
    expect(after.map((s) => [s.name, s.pid, s.healthy])).toEqual(before.map((s) => [s.name, s.pid, true]));
  });
});

describe('when another program already holds the port', () => {
  let foreign: Server;
  let port: number;

  beforeAll(async () => {
    // Something that answers like Redis but was not started by the script.
    foreign = createServer((socket) => socket.on('data', () => socket.write('+PONG\r\n')));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    port = (foreign.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => foreign.close(() => resolve())));

  it('refuses to start, and says what failed and what to do', async () => {
    const error = await localRedis(port)
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).what).toContain(`127.0.0.1:${port}`);
    expect((error as ServiceError).todo).toContain('REDIS_URL');
  });

  it('reports it as not started by the script', async () => {
    expect(await localRedis(port).status()).toMatchObject({ healthy: true, pid: undefined, managed: true });
  });
});
