import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/services/process.js';
import { pingRedis } from '../../scripts/services/redis.js';
import { killChild } from './processes.js';

export interface OwnRedis {
  url: string;
  /** Kills it (SIGKILL: a crash, not a shutdown). Its append-only file stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and files, and waits until it answers. */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  close(): Promise<void>;
}

/**
 * A Redis of the test's own (Debian's redis-server, which the run's services already installed),
 * with the append-only file on and the given fsync policy, as production runs it. A fault test
 * kills and restarts this one; the run's shared Redis is never touched.
 */
export async function startOwnRedis(
  appendfsync: 'always' | 'everysec',
  extraArgs: readonly string[] = [],
): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rb-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        appendfsync,
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    while (!(await pingRedis('127.0.0.1', port))) {
      if (Date.now() > deadline) throw new Error(`own Redis did not start on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const kill = (): Promise<void> => killChild(child);

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
