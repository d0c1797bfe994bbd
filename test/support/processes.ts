import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Env } from '@rallyboard/core/config';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process has logged so far, one JSON object per line. */
  lines: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

/**
 * Starts a real process of ours (`server` or `workers`) from source, exactly as `npm run workers`
 * does, with the given environment, and resolves once it logs `readyMessage`.
 */
export async function startProcess(
  entry: 'server' | 'workers',
  env: Env,
  readyMessage: string,
): Promise<RunningProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=rallyboard-source', `${entry}/src/main.ts`],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.includes(readyMessage))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} did not start:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, lines, exited };
}

/** Kills a child outright (SIGKILL: a crash, not a shutdown) and waits for it; nothing if it has ended. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
