import { PATHS } from './paths.js';
import { run, ServiceError, waitUntil } from './process.js';
import { localRedis } from './redis.js';
import type { ManagedService, ServiceStatus } from './types.js';

/** The local Redis Cluster's masters (`npm run services -- start --redis-cluster`). */
const LOCAL_PORTS: readonly number[] = [6391, 6392, 6393];
const HOST = '127.0.0.1';

const urlOf = (ports: readonly number[]) => ports.map((port) => `redis://${HOST}:${port}`).join(',');

/** How to reach the local cluster: its nodes as a `REDIS_URL` list. */
export const LOCAL_CLUSTER_URL = urlOf(LOCAL_PORTS);

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

/**
 * A real Redis Cluster on this machine: three masters from Debian's `redis-server`, each with
 * `cluster-enabled yes` and its own AOF under `<dataDir>/<port>`, formed once with
 * `redis-cli --cluster create` (no replicas). Started only on demand; nothing else uses it.
 * @param where other ports and data (tests); @default the local cluster's
 */
export function localRedisCluster(
  appendfsync: 'always' | 'everysec' = 'always',
  where: { ports: readonly number[]; dataDir: string } = {
    ports: LOCAL_PORTS,
    dataDir: PATHS.redisClusterData,
  },
): ManagedService {
  const { ports, dataDir } = where;
  const url = urlOf(ports);
  const nodes = ports.map((port) =>
    localRedis(port, appendfsync, {
      dir: `${dataDir}/${port}`,
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
  const infos = () => Promise.all(ports.map(clusterInfo));
  const formed = async () =>
    (await infos()).every(
      (info) => info?.cluster_state === 'ok' && info.cluster_known_nodes === String(ports.length),
    );

  async function status(): Promise<ServiceStatus> {
    const each = await Promise.all(nodes.map((node) => node.status()));
    const pid = each.every((s) => s.pid !== undefined) ? each[0]?.pid : undefined;
    const healthy = each.every((s) => s.healthy) && (await formed());
    return { name: 'redis', url, managed: true, pid, healthy, log: each[0]?.log };
  }

  async function create(): Promise<void> {
    const result = await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `${HOST}:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (result.code !== 0) {
      throw new ServiceError(
        `redis-cli --cluster create failed:\n${result.stdout}${result.stderr}`,
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
      // Formed only once, from nodes that know nothing yet. The masters of a formed cluster
      // restarted report cluster_state:fail for a moment (until they agree again): wait for ok.
      const fresh = (await infos()).every(
        (info) => info?.cluster_slots_assigned === '0' && info.cluster_known_nodes === '1',
      );
      if (fresh) await create();
      if (!(await waitUntil(formed, 20_000, 200))) {
        throw new ServiceError(
          `The Redis Cluster on ports ${ports.join(', ')} did not reach cluster_state:ok in 20 s` +
            (fresh ? '.' : ' (its nodes were formed before, or half formed).'),
          `See ${PATHS.logs}/redis-${ports[0]}.log; if it stays so, \`npm run services -- stop --redis-cluster\`, delete ${dataDir}, and start it again.`,
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
