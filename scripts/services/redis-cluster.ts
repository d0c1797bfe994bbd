import { PATHS } from './paths.js';
import { run, ServiceError, waitUntil } from './process.js';
import { localRedis } from './redis.js';
import type { ManagedService, ServiceStatus } from './types.js';

/** The local Redis Cluster's masters (`npm run services -- start --redis-cluster`). */
const PORTS = [6391, 6392, 6393] as const;
const HOST = '127.0.0.1';

/** How to reach the local cluster: its nodes as a `REDIS_URL` list. */
export const LOCAL_CLUSTER_URL = PORTS.map((port) => `redis://${HOST}:${port}`).join(',');

const dirOf = (port: number) => `${PATHS.redisClusterData}/${port}`;

/** `CLUSTER INFO` of one node as fields, or undefined when it does not answer. */
async function clusterInfo(port: number): Promise<Record<string, string> | undefined> {
  const result = await run('redis-cli', ['-h', HOST, '-p', String(port), 'cluster', 'info']);
  if (result.code !== 0 || !result.stdout.includes('cluster_state')) return undefined;
  return Object.fromEntries(
    result.stdout
      .split(/\r?\n/)
      .map((line) => line.split(':'))
      .filter((pair): pair is [string, string] => pair.length === 2),
  );
}

async function formed(): Promise<boolean> {
  const infos = await Promise.all(PORTS.map(clusterInfo));
  return infos.every(
    (info) => info?.cluster_state === 'ok' && info.cluster_known_nodes === String(PORTS.length),
  );
}

/**
 * A real Redis Cluster on this machine: three masters from Debian's `redis-server`, each with
 * `cluster-enabled yes` and its own AOF under `.data/redis-cluster/<port>`, formed once with
 * `redis-cli --cluster create` (no replicas). Started only on demand; nothing else uses it.
 */
export function localRedisCluster(appendfsync: 'always' | 'everysec' = 'always'): ManagedService {
  const nodes = PORTS.map((port) =>
    localRedis(port, appendfsync, {
      dir: dirOf(port),
      args: [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '5000',
      ],
    }),
  );

  async function status(): Promise<ServiceStatus> {
    const each = await Promise.all(nodes.map((node) => node.status()));
    const pid = each.every((s) => s.pid !== undefined) ? each[0]?.pid : undefined;
    const healthy = each.every((s) => s.healthy) && (await formed());
    return { name: 'redis', url: LOCAL_CLUSTER_URL, managed: true, pid, healthy, log: each[0]?.log };
  }

  async function form(): Promise<void> {
    const infos = await Promise.all(PORTS.map(clusterInfo));
    if (infos.some((info) => info?.cluster_slots_assigned !== '0')) {
      throw new ServiceError(
        'The local Redis Cluster is half formed (some nodes already hold slots, but not all agree).',
        `Run \`npm run services -- stop --redis-cluster\`, delete ${PATHS.redisClusterData}, and start it again.`,
      );
    }
    const create = await run('redis-cli', [
      '--cluster',
      'create',
      ...PORTS.map((port) => `${HOST}:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (create.code !== 0) {
      throw new ServiceError(
        `redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`,
        'See its output.',
      );
    }
  }

  return {
    name: 'redis',
    ensure: () => nodes[0]?.ensure() ?? Promise.resolve(),
    status,
    async start() {
      let started = false;
      for (const node of nodes) started = (await node.start()).started || started;
      if (!(await formed())) await form();
      if (!(await waitUntil(formed, 20_000, 200))) {
        throw new ServiceError(
          `The local Redis Cluster on ports ${PORTS.join(', ')} did not reach cluster_state:ok in 20 s.`,
          `See ${PATHS.logs}/redis-${PORTS[0]}.log and its neighbours.`,
        );
      }
      return { ...(await status()), started };
    },
    async stop() {
      const results = [];
      for (const node of nodes) results.push(await node.stop());
      if (results.includes('killed')) return 'killed';
      return results.includes('stopped') ? 'stopped' : 'not running';
    },
  };
}
