import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../../test/support/config.js';
import { ROOT } from '../services/paths.js';
import { freePort } from '../services/process.js';

// `npm start` (scripts/dev.ts) run as a process with this run's Redis and MongoDB given, so it
// starts no service. Its web build is stubbed out by a module hook: rebuilding web/dist here
// would pull the pages from under the browser tests running beside this file.
const hooks = mkdtempSync(join(tmpdir(), 'rb-dev-test-'));
writeFileSync(
  join(hooks, 'build-stub.mjs'),
  'export async function buildWeb() { return { outputs: {}, ms: 0 }; }\n',
);
writeFileSync(
  join(hooks, 'hooks.mjs'),
  `export async function resolve(specifier, context, next) {
  if (specifier === './web/build.js' && context.parentURL?.endsWith('/scripts/dev.ts')) {
    return { url: ${JSON.stringify(pathToFileURL(join(hooks, 'build-stub.mjs')).href)}, shortCircuit: true };
  }
  return next(specifier, context);
}\n`,
);
writeFileSync(
  join(hooks, 'register.mjs'),
  "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
);
afterAll(() => rmSync(hooks, { recursive: true, force: true }));

interface Dev {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

const runs: Dev[] = [];
afterEach(() => {
  for (const { child } of runs.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    for (const pid of childrenOf(child.pid)) kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
  }
});

function startDev(port: number): Dev {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      join(hooks, 'register.mjs'),
      '--conditions=rallyboard-source',
      'scripts/dev.ts',
    ],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...testEnv({ PORT: String(port) }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const dev = { child, output: () => output, exited };
  runs.push(dev);
  return dev;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The server's and the workers' pids, by their command lines. */
function processesOf(dev: Dev): { server: number; workers: number } {
  const found: Record<string, number> = {};
  for (const pid of childrenOf(dev.child.pid ?? 0)) {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    for (const name of ['server', 'workers']) if (command.includes(`${name}/src/main.ts`)) found[name] = pid;
  }
  const { server, workers } = found;
  if (server === undefined || workers === undefined) throw new Error(`no server or workers under npm start`);
  return { server, workers };
}

/** Resolves once npm start says it is up, or fails with what it printed. */
async function upOrExit(dev: Dev, timeoutMs = 45_000): Promise<'up' | number | string> {
  const deadline = Date.now() + timeoutMs;
  let exit: number | string | undefined;
  void dev.exited.then((code) => (exit = code));
  while (Date.now() < deadline) {
    if (dev.output().includes('Press Ctrl-C to stop.')) return 'up';
    if (exit !== undefined) return exit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`npm start neither came up nor exited within ${timeoutMs} ms:\n${dev.output()}`);
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);

describe('npm start (scripts/dev.ts)', () => {
  it('with PORT=0, prints the port its server took; a second Ctrl-C finishes a stop a process holds up', async () => {
    const dev = startDev(0);
    expect(await upOrExit(dev), dev.output()).toBe('up');
    const api = /^ {2}API +(http:\S+)$/m.exec(dev.output())?.[1] ?? '';
    expect(new URL(api).port).not.toMatch(/^0?$/);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);

    const { server, workers } = processesOf(dev);
    kill(server, 'SIGSTOP'); // a server that does not answer SIGTERM
    dev.child.kill('SIGINT');
    expect(await within(dev.exited, 1_500)).toBe('timeout');
    dev.child.kill('SIGINT');
    expect(await within(dev.exited, 10_000)).toBe(0);
    expect([alive(server), alive(workers)]).toEqual([false, false]);
  }, 60_000);

  it('when its server is killed by a signal, stops the workers and exits 1', async () => {
    const dev = startDev(await freePort());
    expect(await upOrExit(dev), dev.output()).toBe('up');
    const { server, workers } = processesOf(dev);
    kill(server, 'SIGKILL');
    expect(await within(dev.exited, 20_000), dev.output()).toBe(1);
    expect(dev.output()).toContain('server exited (signal SIGKILL)');
    expect(alive(workers)).toBe(false);
  }, 60_000);

  it('refuses to start when its port is taken (another npm start), and never says it is up', async () => {
    // Answers 200 to everything, as the server of a first `npm start` does.
    const other: Server = createServer((socket) =>
      socket.once('data', () =>
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'),
      ),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    try {
      const dev = startDev(port);
      expect(await within(dev.exited, 20_000), dev.output()).toBe(1);
      expect(dev.output()).not.toContain('Rallyboard is up');
      expect(dev.output()).toContain(`127.0.0.1:${port} is in use already`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  }, 60_000);
});
