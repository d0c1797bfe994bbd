import { ConfigError } from '@rallyboard/core/config';
import { ensureChromium } from './chromium.js';
import { ensureServices, ServiceError, serviceStatuses, startServices, stopServices } from './index.js';
import { LOCAL_CLUSTER_URL } from './redis-cluster.js';
import type { ServiceStatus } from './types.js';

const USAGE = `usage: npm run services -- <ensure|start|stop|status> [--redis-cluster]

  ensure   install what is missing (redis-server via apt-get, FerretDB via go)
  chromium install Debian's chromium and a CJK font (apt-get) for the browser tests, if missing
  start    start the local Redis and FerretDB (data under .data/) and wait until healthy
  stop     stop them cleanly
  status   show each service, its URL and health

A service whose URL is given (REDIS_URL, MONGODB_URI) is not managed: nothing is started for it.

  --redis-cluster  a local Redis Cluster (3 masters on 127.0.0.1:6391-6393, data under
                   .data/redis-cluster) in place of the Redis; reach it with
                   REDIS_URL=${LOCAL_CLUSTER_URL}`;

function line(s: ServiceStatus): string {
  const state = s.healthy ? 'healthy' : s.pid ? 'running, not answering' : 'stopped';
  const who = s.managed ? `local${s.pid ? `, pid ${s.pid}` : ''}` : 'external';
  return `${s.name.padEnd(9)} ${state.padEnd(23)} ${s.url}  (${who})`;
}

async function main(command: string | undefined, flags: string[]): Promise<number> {
  const unknown = flags.filter((flag) => flag !== '--redis-cluster');
  if (unknown.length > 0) {
    console.error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const options = { redisCluster: flags.includes('--redis-cluster') };
  switch (command) {
    case 'ensure':
      await ensureServices(undefined, options);
      console.log('services installed');
      return 0;
    case 'chromium':
      console.log(`chromium at ${await ensureChromium()}`);
      return 0;
    case 'start': {
      const statuses = await startServices(undefined, options);
      for (const s of statuses) console.log(`${line(s)}${s.started ? '  ← started' : ''}`);
      return statuses.every((s) => s.healthy) ? 0 : 1;
    }
    case 'stop':
      for (const { name, result } of await stopServices(undefined, options))
        console.log(`${name.padEnd(9)} ${result}`);
      return 0;
    case 'status': {
      const statuses = await serviceStatuses(undefined, options);
      for (const s of statuses) console.log(line(s));
      return statuses.every((s) => s.healthy) ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ServiceError || error instanceof ConfigError) {
      console.error(`✗ ${error.message}`);
    } else {
      console.error('✗ the service script failed:', error);
    }
    process.exit(1);
  },
);
