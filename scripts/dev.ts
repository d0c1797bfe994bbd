// `npm start`: the whole local stack in one command. Services (Redis, FerretDB), then the server
// and the workers as separate processes, then the demo campaign; prints where everything is.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { loadConfig } from '@rallyboard/core/config';
import {
  DEMO_BOARD,
  demoParticipantToken,
  type SeededDemo,
  seedDemoBoard,
  voteCommand,
} from './demo-board.js';
import { type DemoHost, ensureDemoHost } from './demo-host.js';
import { localStackEnv } from './local-secret.js';
import { ServiceError, type ServiceStatus, startServices, stopServices } from './services/index.js';
import { PATHS, ROOT } from './services/paths.js';
import { buildWeb } from './web/build.js';

// The token secret comes from JWT_SECRET or .data/jwt-secret (made on the first start): the
// server and workers below get the same one, so the local stack never signs with a public one.
const env = localStackEnv(process.env);
const config = loadConfig(env);

// pino's levels. The server's `server listening` line (info) says which port it took, so the
// processes log at info at least; what is below LOG_LEVEL is dropped here instead.
const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
} as const;
const keptLevel = LEVELS[config.logLevel];
const childEnv = keptLevel > LEVELS.info ? { ...env, LOG_LEVEL: 'info' } : env;

interface Started {
  name: 'server' | 'workers';
  child: ChildProcess;
  /** Settles when the process has exited, however it ended (code or signal). */
  exited: Promise<void>;
  /** The port the server says it listens on; never settles for the workers. */
  listening: Promise<number>;
}

function startProcess(name: Started['name']): Started {
  mkdirSync(PATHS.logs, { recursive: true });
  const log = createWriteStream(`${PATHS.logs}/${name}.log`, { flags: 'a' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=rallyboard-source', `${name}/src/main.ts`],
    { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let listened: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (listened = resolve));
  // Logs at LOG_LEVEL and above go to the file; warnings and errors also to this terminal.
  const forward = (line: string) => {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level === undefined || Number(level) >= keptLevel) log.write(`${line}\n`);
    if (line && (level === undefined || Number(level) >= LEVELS.warn)) console.error(`[${name}] ${line}`);
    const port = /"url":"http:\/\/[^"]*:(\d+)".*"msg":"server listening"/.exec(line)?.[1];
    if (name === 'server' && port !== undefined) listened(Number(port));
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', forward);
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      console.error(`✗ ${name} could not be started: ${error.message}`);
      resolve();
    });
  });
  return { name, child, exited, listening };
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Whether something already listens on the server's port (never so for PORT=0). */
function portTaken(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

/** The server's own address on `port` (a wildcard host shown as loopback, as the config does). */
function localUrl(port: number): string {
  const { host } = config.http;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * Waits until this run's server says it listens, and answers 200 at /healthz on that port; the
 * port is the server's word, so PORT=0 works and another program's server is never taken for it.
 * @returns the server's local URL
 */
async function waitHealthy(started: Started[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const failed = Promise.race([
    ...started.map((s) =>
      s.exited.then(() => {
        throw new Error(`the ${s.name} exited during start-up (see above and ${PATHS.logs}/${s.name}.log)`);
      }),
    ),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the server did not start within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    }),
  ]);
  try {
    const server = started.find((s) => s.name === 'server');
    const url = localUrl(await Promise.race([server?.listening ?? failed, failed]));
    while (Date.now() < deadline) {
      const ok = fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (await Promise.race([ok, failed])) return url;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs / 1000} s`);
  } finally {
    clearTimeout(timer);
    failed.catch(() => {}); // settled later by an exit at stop, or never: nobody waits on it then
  }
}

async function main(): Promise<void> {
  console.log('Rallyboard: starting the local stack…');
  const { host, port } = config.http;
  if (await portTaken(host, port)) {
    throw new ServiceError(
      `${host}:${port} is in use already: another \`npm start\` runs, or another program listens there.`,
      'Stop it, or start with another PORT (PORT=0 picks a free one).',
    );
  }
  // The web pages the server serves (web/dist/, git-ignored): esbuild takes about a second, so
  // build every time rather than serve what an older checkout left. (npm test's global setup
  // builds them for its run.)
  const [services] = await Promise.all([startServices(config), buildWeb()]);
  const startedServices = services.some((s) => s.started);
  const started = [startProcess('server'), startProcess('workers')];

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping server and workers… (Ctrl-C again kills them)');
    for (const { child } of started) if (running(child)) child.kill('SIGTERM');
    await Promise.all(started.map((s) => s.exited));
    if (startedServices) {
      console.log('stopping the services this run started…');
      await stopServices(config, {}, services);
    }
    process.exit(code);
  };
  // Ctrl-C while stopping: the processes that have not exited yet are killed, and the stop goes on.
  const onSignal = () => {
    if (!stopping) return void stop(0);
    for (const { child } of started) if (running(child)) child.kill('SIGKILL');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  for (const { name, child } of started) {
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(
          `✗ ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); see ${PATHS.logs}`,
        );
        void stop(1);
      }
    });
  }

  try {
    const local = await waitHealthy(started);
    // The printed URLs: PUBLIC_URL when given, else the port the server took.
    const base = env.PUBLIC_URL?.trim() ? config.http.publicUrl : local;
    const demo = await seedDemoBoard(config);
    const voter = await demoParticipantToken(config);
    const host = await ensureDemoHost(config);
    if (!stopping) printBanner(base, services, demo, voter, host);
  } catch (error) {
    console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
}

function printBanner(
  base: string,
  services: ServiceStatus[],
  demo: SeededDemo,
  voter: Awaited<ReturnType<typeof demoParticipantToken>>,
  host: DemoHost,
): void {
  const [first] = DEMO_BOARD.members;
  const redis = services.find((s) => s.name === 'redis');
  const mongo = services.find((s) => s.name === 'ferretdb');
  const state =
    demo.status === 'live'
      ? `live until ${demo.endAt.toISOString()}${demo.renewed ? ', renewed: its last window was over' : ''}`
      : `${demo.status}, as a host left it: see the console`;
  console.log(`
Rallyboard is up. Server and workers run as separate processes.

  API            ${base}
  Health         ${base}/healthz
  API docs       ${base}/api/docs
  Leaderboard    ${base}/api/boards/${DEMO_BOARD.boardId}/leaderboard
  Campaign       ${base}/api/public/campaigns/${DEMO_BOARD.boardId}
  Live ranking   socket.io on ${base}: board:subscribe → rank:updated   (npm run watch -- ${DEMO_BOARD.boardId})
  Big screen     ${base}/screen/${DEMO_BOARD.boardId}
  Host console   ${base}/console   (sign in as ${host.username} / ${host.password}: a local admin, kept in .data/demo-host.json)
  Queues         ${base}/admin/queues   (bull-board: open it from the console's campaign page)
  Redis          ${redis?.url ?? config.redis.url}${redis?.managed ? '  (local, data in .data/redis)' : ''}
  MongoDB        ${mongo?.url ?? config.mongo.uri}${mongo?.managed ? '  (FerretDB, data in .data/ferretdb)' : ''}
  Logs           .data/logs/server.log, .data/logs/workers.log

Demo campaign "${DEMO_BOARD.boardId}" (${state}; ${DEMO_BOARD.rules.votesPerUserPerDay} votes a day each): ${DEMO_BOARD.members.map((m) => `${m.candidateId} ${m.name}`).join(', ')}

Cast a vote as the demo participant (its token is valid until ${voter.expiresAt.toISOString()}; \`npm run seed\` signs a fresh one):
${voteCommand(base, first?.candidateId ?? 'c01', voter.token).replace(/^/gm, '  ')}

Press Ctrl-C to stop.`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof ServiceError ? `✗ ${error.message}` : error);
  process.exit(1);
});
