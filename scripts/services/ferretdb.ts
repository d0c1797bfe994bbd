import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { connectMongo, pingMongo } from '@rallyboard/core/db';
import { buildGoModule } from './go-build.js';
import { PATHS } from './paths.js';
import {
  isAlive,
  ownPid,
  removePid,
  run,
  ServiceError,
  tail,
  terminate,
  waitUntil,
  writePid,
} from './process.js';
import type { ManagedService, ServiceStatus } from './types.js';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';
const BINARY = `${PATHS.toolsBin}/ferretdb`;

function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function pingFerret(uri: string): Promise<boolean> {
  try {
    const connection = await connectMongo(uri, 'services');
    try {
      await pingMongo(connection);
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(BINARY)) return undefined;
  const result = await run(BINARY, ['--version']);
  return /^version:\s*(\S+)/m.exec(result.stdout)?.[1];
}

/**
 * Builds FerretDB v1.24.2 from the Go module proxy into .tools/bin.
 *
 * This is `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` with one step added.
 * FerretDB embeds build/version/version.txt, which its release tooling generates and the module
 * zip does not contain; a binary installed straight from the module cache panics at start-up
 * for lack of it. So the build writes the version file FerretDB's own tooling would write.
 */
async function installFerret(): Promise<void> {
  if ((await installedVersion()) === FERRETDB_VERSION) return;
  console.error(
    `• FerretDB is missing: building ${FERRETDB_MODULE} ${FERRETDB_VERSION} with go (a minute or two)…`,
  );
  mkdirSync(PATHS.toolsBin, { recursive: true });
  await buildGoModule({
    module: FERRETDB_MODULE,
    version: FERRETDB_VERSION,
    pkg: './cmd/ferretdb',
    output: BINARY,
    files: { 'build/version/version.txt': `${FERRETDB_VERSION}\n` },
    fallback: 'set MONGODB_URI to a MongoDB you run',
  });
  const version = await installedVersion();
  if (version !== FERRETDB_VERSION) {
    throw new ServiceError(
      `The FerretDB build reports version ${version ?? 'none'}, not ${FERRETDB_VERSION}.`,
      `Remove ${PATHS.tools} and try again, or set MONGODB_URI.`,
    );
  }
}

/**
 * Removes the write-ahead logs and shared-memory files (`<db>.sqlite-wal`, `<db>.sqlite-shm`)
 * whose database file is gone: FerretDB's dropDatabase deletes `<db>.sqlite` and leaves them, and
 * a bench or test database dropped after heavy writes left WALs of over a gigabyte each. Only
 * while FerretDB is stopped. Answers the files removed.
 */
export function removeOrphanJournals(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = new Set(readdirSync(dir));
  const orphans = [...names].filter((name) => {
    const db = /^(.*\.sqlite)-(wal|shm)$/.exec(name)?.[1];
    return db !== undefined && !names.has(db);
  });
  for (const name of orphans) rmSync(`${dir}/${name}`, { force: true });
  return orphans;
}

/** The embedded MongoDB-compatible database: FerretDB v1 with its SQLite backend, on 127.0.0.1. */
export function localFerret(port: number, uri: string): ManagedService {
  const host = '127.0.0.1';
  const PID_FILE = `${PATHS.run}/ferretdb-${port}.pid`;
  const LOG_FILE = `${PATHS.logs}/ferretdb-${port}.log`;
  // Ours: a ferretdb listening on this address. Any other process the pid now belongs to is left alone.
  const ours = (command: string) =>
    command.includes('ferretdb') && command.split(' ').includes(`--listen-addr=${host}:${port}`);

  async function status(): Promise<ServiceStatus> {
    const pid = ownPid(PID_FILE, ours);
    const healthy = (await portOpen(host, port)) && (await pingFerret(uri));
    return { name: 'ferretdb', url: uri, managed: true, pid, healthy, log: LOG_FILE };
  }

  return {
    name: 'ferretdb',
    ensure: installFerret,
    status,
    async start() {
      await installFerret();
      const before = await status();
      if (before.pid !== undefined && before.healthy) return { ...before, started: false };
      if (before.pid === undefined && (await portOpen(host, port))) {
        throw new ServiceError(
          `Something else already listens on ${host}:${port}, but it was not started by this script.`,
          'Stop it, or set MONGODB_URI to use it as an external database.',
        );
      }
      if (before.pid !== undefined) await terminate(before.pid);
      removePid(PID_FILE);
      for (const dir of [PATHS.run, PATHS.logs, PATHS.ferretData, PATHS.ferretState])
        mkdirSync(dir, { recursive: true });
      removeOrphanJournals(PATHS.ferretData);
      const log = openSync(LOG_FILE, 'a');
      const child = spawn(
        BINARY,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${PATHS.ferretData}/`,
          `--listen-addr=${host}:${port}`,
          `--state-dir=${PATHS.ferretState}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ],
        { detached: true, stdio: ['ignore', log, log] },
      );
      closeSync(log);
      if (child.pid === undefined)
        throw new ServiceError('FerretDB could not be spawned.', `See ${LOG_FILE}.`);
      writePid(PID_FILE, child.pid);
      child.unref();
      const up = await waitUntil(async () => !isAlive(child.pid) || (await portOpen(host, port)), 30_000);
      if (!up || !isAlive(child.pid) || !(await waitUntil(() => pingFerret(uri), 15_000, 250))) {
        throw new ServiceError(
          `FerretDB did not become healthy on ${host}:${port}:\n${tail(LOG_FILE)}`,
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
