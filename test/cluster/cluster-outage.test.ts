import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedis, createRedis, type RedisClient, waitForReady } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRedisCluster } from '../../scripts/services/redis-cluster.js';
import { eventually } from '../support/stack.js';

// A Redis Cluster of this file's own (three masters on ports apart), taken down whole while a
// server's request connections (timed, as server/src/main.ts opens them) are open to it.
const PORTS = [7394, 7395, 7396];
const dataDir = mkdtempSync(join(tmpdir(), 'rb-cluster-outage-'));
const cluster = localRedisCluster('everysec', { ports: PORTS, dataDir });
const url = PORTS.map((port) => `redis://127.0.0.1:${port}`).join(',');
const TIMEOUT_MS = 500;
let command: RedisClient;
let producer: RedisClient;

beforeAll(async () => {
  await cluster.start();
  command = createRedis(url, 'command', 'test', { commandTimeoutMs: TIMEOUT_MS });
  producer = createRedis(url, 'producer', 'test', { commandTimeoutMs: TIMEOUT_MS });
  for (const connection of [command, producer]) connection.on('error', () => {});
  await Promise.all([waitForReady(command), waitForReady(producer)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([command, producer].map((c) => c && closeRedis(c)));
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** How long a command takes to settle, and whether it failed. */
async function settle(work: () => Promise<unknown>): Promise<{ ms: number; failed: boolean }> {
  const started = Date.now();
  const failed = await work().then(
    () => false,
    () => true,
  );
  return { ms: Date.now() - started, failed };
}

describe('a request on a Redis Cluster', () => {
  it('is answered at once by every master as soon as it is ready, even many at a time', async () => {
    // Spread over slots, so over masters: none meets a connection still being opened.
    const keys = Array.from({ length: 60 }, (_, i) => `outage:{k${i}}`);
    expect(await Promise.all(keys.map((key) => producer.set(key, '1', 'EX', 60)))).toEqual(
      keys.map(() => 'OK'),
    );
  });

  it('fails within its timeout, not hangs, once the whole cluster is down', async () => {
    await cluster.stop();
    // Both the moment it goes, and once the clients have seen it go (no longer ready).
    const [justRead, justWrite] = await Promise.all([
      settle(() => command.get('outage:{k1}')),
      settle(() => producer.set('outage:{k2}', '1')),
    ]);
    expect([justRead.failed, justWrite.failed]).toEqual([true, true]);
    await eventually(async () => command.status !== 'ready' && producer.status !== 'ready', 10_000, 'gone');
    const [read, write] = await Promise.all([
      settle(() => command.get('outage:{k1}')),
      settle(() => producer.set('outage:{k2}', '1')),
    ]);
    expect(read.failed).toBe(true);
    expect(write.failed).toBe(true);
    for (const { ms } of [justRead, justWrite, read, write]) expect(ms).toBeLessThan(TIMEOUT_MS * 4);
  }, 30_000);
});
