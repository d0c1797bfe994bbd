import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { connectMongo, pingMongo } from '@rallyboard/core/db';
import { PATHS } from './paths.js';
import {
  isAlive,
  onPath,
  readPid,
  removePid,
  run,
  ServiceError,
  tail,
  terminate,
  waitUntil,
  writePid,
} from './process.js';
import type { ManagedService, ServiceStatus } from './types.js';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';
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
 * for lack of it. So we download that exact module version, copy it out of the read-only module
 * cache, write the version file its own tooling would write, and `go install ./cmd/ferretdb`.
 */
async function installFerret(): Promise<void> {
  if ((await installedVersion()) === FERRETDB_VERSION) return;
  if (!(await onPath('go'))) {
    throw new ServiceError(
      'FerretDB is not installed, and building it needs Go, which is not on PATH.',
      'Install Go (1.22 or newer), or set MONGODB_URI to a MongoDB you run.',
    );
  }
  console.error(
    `• FerretDB is missing: building ${FERRETDB_MODULE} ${FERRETDB_VERSION} with go (a minute or two)…`,
  );
  const download = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`]);
  const dir = /"Dir":\s*"([^"]+)"/.exec(download.stdout)?.[1];
  if (download.code !== 0 || !dir) {
    throw new ServiceError(
      `Downloading ${FERRETDB_MODULE}@${FERRETDB_VERSION} failed:\n${(download.stdout + download.stderr).trim().slice(-800)}`,
      'Check that the Go module proxy is reachable (go env GOPROXY), or set MONGODB_URI.',
    );
  }
  const src = `${PATHS.toolsSrc}/FerretDB@${FERRETDB_VERSION}`;
  rmSync(src, { recursive: true, force: true });
  mkdirSync(PATHS.toolsSrc, { recursive: true });
  const copy = await run('cp', ['-R', dir, src]);
  const writable = await run('chmod', ['-R', 'u+w', src]);
  if (copy.code !== 0 || writable.code !== 0) {
    throw new ServiceError(
      `Copying the FerretDB module to ${src} failed: ${copy.stderr}${writable.stderr}`,
      'Check free disk space.',
    );
  }
  writeFileSync(`${src}/build/version/version.txt`, `${FERRETDB_VERSION}\n`);
  mkdirSync(PATHS.toolsBin, { recursive: true });
  const build = await run('go', ['install', './cmd/ferretdb'], {
    cwd: src,
    env: { ...process.env, GOBIN: PATHS.toolsBin, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
  });
  const version = await installedVersion();
  if (build.code !== 0 || version !== FERRETDB_VERSION) {
    throw new ServiceError(
      `Building FerretDB failed (exit ${build.code}, version ${version ?? 'none'}):\n${build.stderr.trim().slice(-800)}`,
      'Check the Go toolchain (go version), or set MONGODB_URI to a MongoDB you run.',
    );
  }
  rmSync(src, { recursive: true, force: true });
}

/** The embedded MongoDB-compatible database: FerretDB v1 with its SQLite backend, on 127.0.0.1. */
export function localFerret(port: number, uri: string): ManagedService {
  const host = '127.0.0.1';
  const PID_FILE = `${PATHS.run}/ferretdb-${port}.pid`;
  const LOG_FILE = `${PATHS.logs}/ferretdb-${port}.log`;

  async function status(): Promise<ServiceStatus> {
    const pid = readPid(PID_FILE);
    const healthy = (await portOpen(host, port)) && (await pingFerret(uri));
    return {
      name: 'ferretdb',
      url: uri,
      managed: true,
      pid: isAlive(pid) ? pid : undefined,
      healthy,
      log: LOG_FILE,
    };
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
      const pid = readPid(PID_FILE);
      if (!isAlive(pid)) {
        removePid(PID_FILE);
        return 'not running';
      }
      const how = await terminate(pid);
      removePid(PID_FILE);
      return how;
    },
  };
}
