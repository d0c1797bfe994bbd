import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo, pingMongo } from '@rallyboard/core/db';
import { localFerret } from '../../scripts/services/ferretdb.js';
import { PATHS } from '../../scripts/services/paths.js';
import { freePort } from '../../scripts/services/process.js';
import { killChild } from './processes.js';

export interface OwnFerret {
  /** The URI of one database on it. */
  uri: string;
  /** Stops it (SIGKILL: an outage, not a shutdown). Its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/**
 * A FerretDB of the test's own, on a port and a data directory of its own, built as
 * scripts/services/ferretdb.ts builds the shared one. A fault test stops and starts this one;
 * the run's shared FerretDB, which every other test uses, is never touched.
 */
export async function startOwnFerret(database: string): Promise<OwnFerret> {
  const port = await freePort();
  const uri = `mongodb://127.0.0.1:${port}/${database}`;
  await localFerret(port, uri).ensure();
  const dir = mkdtempSync(join(tmpdir(), 'rb-ferret-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      `${PATHS.toolsBin}/ferretdb`,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${dir}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const connection = await connectMongo(uri, 'own-ferret');
        await pingMongo(connection).finally(() => connection.close());
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`own FerretDB did not start on ${port}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  const stop = (): Promise<void> => killChild(child);

  await start();
  return {
    uri,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
