import { mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { aptInstall } from './apt.js';
import { PATHS } from './paths.js';
import { onPath, ownPid, removePid, run, ServiceError, tail, terminate, waitUntil } from './process.js';
import type { ManagedService, ServiceStatus } from './types.js';

/** Sends PING over a raw socket; true on +PONG. Needs nothing but Node. */
export function pingRedis(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function installRedis(): Promise<void> {
  return aptInstall({
    packages: ['redis-server'],
    what: 'redis-server',
    fallback: 'set REDIS_URL to a Redis you run',
    installed: () => onPath('redis-server'),
  });
}

/**
 * The embedded Redis: Debian's redis-server on 127.0.0.1, AOF persistence under .data/redis,
 * fsynced on every write unless REDIS_APPENDFSYNC says `everysec` (docs/architecture.md,
 * "What a 202 promises").
 */
export function localRedis(
  port: number,
  appendfsync: 'always' | 'everysec' = 'always',
  node: { dir: string; args: readonly string[] } = { dir: PATHS.redisData, args: [] },
): ManagedService {
  const host = '127.0.0.1';
  const url = `redis://${host}:${port}`;
  // Per port, so two instances (or a test aimed at another port) never share a pid file.
  const PID_FILE = `${PATHS.run}/redis-${port}.pid`;
  const LOG_FILE = `${PATHS.logs}/redis-${port}.log`;
  // Ours: redis-server's title names its address (`redis-server 127.0.0.1:6390`), or its
  // arguments do where it keeps them. Any other process the pid now belongs to is left alone.
  const ours = (command: string) =>
    command.includes('redis-server') && new RegExp(`(:|--port )${port}(?!\\d)`).test(command);

  async function status(): Promise<ServiceStatus> {
    const pid = ownPid(PID_FILE, ours);
    const healthy = await pingRedis(host, port);
    return { name: 'redis', url, managed: true, pid, healthy, log: LOG_FILE };
  }

  return {
    name: 'redis',
    ensure: installRedis,
    status,
    async start() {
      await installRedis();
      const before = await status();
      if (before.pid !== undefined && before.healthy) return { ...before, started: false };
      if (before.pid === undefined && before.healthy) {
        throw new ServiceError(
          `Something else already answers on ${host}:${port}, but it was not started by this script.`,
          'Stop it, or set REDIS_URL to use it as an external Redis.',
        );
      }
      if (before.pid !== undefined) await terminate(before.pid); // alive but not answering: restart
      removePid(PID_FILE);
      for (const dir of [PATHS.run, PATHS.logs, node.dir]) mkdirSync(dir, { recursive: true });
      const result = await run('redis-server', [
        '--bind',
        host,
        '--port',
        String(port),
        '--protected-mode',
        'yes',
        '--dir',
        node.dir,
        '--daemonize',
        'yes',
        '--pidfile',
        PID_FILE,
        '--logfile',
        LOG_FILE,
        '--appendonly',
        'yes',
        '--appendfsync',
        appendfsync,
        '--save',
        '',
        ...node.args,
      ]);
      if (result.code !== 0) {
        throw new ServiceError(
          `redis-server failed to start:\n${result.stderr || tail(LOG_FILE)}`,
          `See ${LOG_FILE}.`,
        );
      }
      if (!(await waitUntil(() => pingRedis(host, port), 15_000))) {
        throw new ServiceError(
          `Redis did not answer PING on ${host}:${port} within 15 s:\n${tail(LOG_FILE)}`,
          `See ${LOG_FILE}.`,
        );
      }
      return { ...(await status()), started: true };
    },
    async stop() {
      const pid = ownPid(PID_FILE, ours);
      if (pid === undefined) {
        removePid(PID_FILE);
        return 'not running';
      }
      const how = await terminate(pid);
      removePid(PID_FILE);
      return how;
    },
  };
}
