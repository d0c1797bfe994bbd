// `npm start`: the whole local stack in one command. Services (Redis, FerretDB), then the server
// and the workers as separate processes, then the demo campaign; prints where everything is.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { loadConfig } from '@rallyboard/core/config';
import { DEMO_BOARD, demoParticipantToken, seedDemoBoard, voteCommand } from './demo-board.js';
import { type DemoHost, ensureDemoHost } from './demo-host.js';
import { localStackEnv } from './local-secret.js';
import { ServiceError, startServices, stopServices } from './services/index.js';
import { PATHS, ROOT } from './services/paths.js';
import { buildWeb } from './web/build.js';

// The token secret comes from JWT_SECRET or .data/jwt-secret (made on the first start): the
// server and workers below get the same one, so the local stack never signs with a public one.
const env = localStackEnv(process.env);
const config = loadConfig(env);
const base = config.http.publicUrl;

function startProcess(name: 'server' | 'workers'): ChildProcess {
  mkdirSync(PATHS.logs, { recursive: true });
  const log = createWriteStream(`${PATHS.logs}/${name}.log`, { flags: 'a' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=rallyboard-source', `${name}/src/main.ts`],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Full logs go to the file; warnings and errors also to this terminal.
  const forward = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (line && (level === undefined || Number(level) >= 40)) console.error(`[${name}] ${line}`);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return child;
}

async function waitHealthy(children: ChildProcess[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some((c) => c.exitCode !== null))
      throw new Error('a process exited during start-up (see above)');
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${base}/healthz did not answer 200 within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  console.log('Rallyboard: starting the local stack…');
  // The web pages the server serves (web/dist/, git-ignored): esbuild takes about a second, so
  // build every time rather than serve what an older checkout left. (npm test's global setup
  // builds them for its run.)
  const [services] = await Promise.all([startServices(config), buildWeb()]);
  const startedServices = services.some((s) => s.started);
  const children = [startProcess('server'), startProcess('workers')];

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping server and workers…');
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null ? undefined : new Promise((resolve) => c.once('exit', resolve)),
      ),
    );
    if (startedServices) {
      console.log('stopping the services this run started…');
      await stopServices(config, {}, services);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const [i, child] of children.entries()) {
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`✗ ${i === 0 ? 'server' : 'workers'} exited (code ${code}); see ${PATHS.logs}`);
        void stop(1);
      }
    });
  }

  let voter: Awaited<ReturnType<typeof demoParticipantToken>>;
  let host: DemoHost;
  try {
    await waitHealthy(children);
    await seedDemoBoard(config);
    voter = await demoParticipantToken(config);
    host = await ensureDemoHost(config);
  } catch (error) {
    console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
    return;
  }

  const [first] = DEMO_BOARD.members;
  const redis = services.find((s) => s.name === 'redis');
  const mongo = services.find((s) => s.name === 'ferretdb');
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

Demo campaign "${DEMO_BOARD.boardId}" (live; ${DEMO_BOARD.rules.votesPerUserPerDay} votes a day each): ${DEMO_BOARD.members.map((m) => `${m.candidateId} ${m.name}`).join(', ')}

Cast a vote as the demo participant (its token is valid until ${voter.expiresAt.toISOString()}; \`npm run seed\` signs a fresh one):
${voteCommand(base, first?.candidateId ?? 'c01', voter.token).replace(/^/gm, '  ')}

Press Ctrl-C to stop.`);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof ServiceError ? `✗ ${error.message}` : error);
  process.exit(1);
});
