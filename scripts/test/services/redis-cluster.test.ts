import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../services/process.js';
import { localRedisCluster } from '../../services/redis-cluster.js';

// A cluster of the test's own (ports and data apart from the local one), formed, stopped and
// started again, as `npm run services -- start --redis-cluster` is on a developer's machine.
const PORTS = [7391, 7392, 7393];
const dataDir = mkdtempSync(join(tmpdir(), 'rb-cluster-'));
const cluster = localRedisCluster('everysec', { ports: PORTS, dataDir });

afterAll(async () => {
  await cluster.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const slotsOf = async (port: number) =>
  (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout.match(
    /cluster_slots_assigned:(\d+)/,
  )?.[1];

describe('the local Redis Cluster', () => {
  it('is formed once, and a restart finds it formed, not half formed', async () => {
    const first = await cluster.start();
    expect(first).toMatchObject({ healthy: true, started: true });
    expect(await Promise.all(PORTS.map(slotsOf))).toEqual(['16384', '16384', '16384']);

    expect(await cluster.stop()).toBe('stopped');
    expect((await cluster.status()).healthy).toBe(false);

    // Its masters come back with cluster_state:fail for a moment: the start waits them out.
    const again = await cluster.start();
    expect(again).toMatchObject({ healthy: true, started: true });
    expect(await cluster.start()).toMatchObject({ healthy: true, started: false });
  }, 60_000);
});
