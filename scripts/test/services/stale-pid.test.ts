import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localFerret } from '../../services/ferretdb.js';
import { PATHS } from '../../services/paths.js';
import { freePort, writePid } from '../../services/process.js';
import { localRedis } from '../../services/redis.js';

// A pid file left by a service that died (a crash, a reboot) whose pid the system has since given
// to another process: the script must not signal that process, only forget the file.
const others: ChildProcess[] = [];
const cleanups: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const child of others.splice(0)) child.kill('SIGKILL');
});

function another(args: string[] = ['60']): ChildProcess {
  const child = spawn(args.length === 1 ? 'sleep' : process.execPath, args, { stdio: 'ignore' });
  others.push(child);
  return child;
}
const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stalePidFile(service: 'redis' | 'ferretdb', port: number, pid: number | undefined): string {
  mkdirSync(PATHS.run, { recursive: true });
  const file = `${PATHS.run}/${service}-${port}.pid`;
  writePid(file, pid ?? 0);
  cleanups.push(() => void rmSync(file, { force: true }));
  return file;
}

describe('a stale pid file naming another process', () => {
  it('redis: stop and start leave that process alone, and start runs a Redis of its own', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'rb-stale-pid-'));
    const redis = localRedis(port, 'everysec', { dir, args: [] });
    cleanups.push(async () => {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const sleeper = another();
    stalePidFile('redis', port, sleeper.pid);
    expect((await redis.status()).pid).toBeUndefined();
    expect(await redis.stop()).toBe('not running');
    await pause(200);
    expect(alive(sleeper)).toBe(true);

    stalePidFile('redis', port, sleeper.pid);
    const started = await redis.start();
    expect(started).toMatchObject({ healthy: true, started: true });
    expect(started.pid).not.toBe(sleeper.pid);
    expect(started.pid).toBeDefined(); // the Redis it started is its own, by its title
    await pause(200);
    expect(alive(sleeper)).toBe(true);
    expect(await redis.stop()).toBe('stopped');
  }, 30_000);

  it('ferretdb: stop leaves that process alone, and still stops one that is FerretDB on its port', async () => {
    const port = await freePort();
    const ferret = localFerret(port, `mongodb://127.0.0.1:${port}/rallyboard`);
    const sleeper = another();
    stalePidFile('ferretdb', port, sleeper.pid);
    expect((await ferret.status()).pid).toBeUndefined();
    expect(await ferret.stop()).toBe('not running');
    await pause(200);
    expect(alive(sleeper)).toBe(true);

    // A process whose command line is FerretDB's on this port is the service's: it is stopped.
    const lookalike = another([
      '-e',
      'setTimeout(() => {}, 60_000)',
      'ferretdb',
      `--listen-addr=127.0.0.1:${port}`,
    ]);
    stalePidFile('ferretdb', port, lookalike.pid);
    await pause(200);
    expect((await ferret.status()).pid).toBe(lookalike.pid);
    expect(await ferret.stop()).toBe('stopped');
    expect(alive(sleeper)).toBe(true);
  }, 30_000);
});
