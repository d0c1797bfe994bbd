// Child processes of the pipeline benchmark: spawning (with an IPC channel), waiting for their
// messages, logs, /proc readings, and stopping them (SIGTERM, then SIGKILL).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PATHS, ROOT } from '../../services/paths.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const TSX = ['--import', 'tsx', '--conditions=rallyboard-source'];

interface Waiter<M> {
  type: string;
  resolve(message: M): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface ChildOptions {
  /** Name in logs and errors. */
  name: string;
  /** Node arguments before the entry (after tsx's). */
  nodeArgs?: string[];
  /** Script path relative to the repository root. */
  entry: string;
  env: Record<string, string | undefined>;
  /** Where its output goes (appended). */
  logFile: string;
}

/**
 * A child process of ours with an IPC channel. Messages are `{ type, … }`; `next(type)` waits for
 * the next one of a type (or takes one that came before anyone waited), `on(type)` handles
 * every one of a type as it comes.
 */
export class Child<In extends { type: string }, Out extends { type: string }> {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | string>;
  #waiters: Waiter<Out>[] = [];
  #unclaimed: Out[] = [];
  #handlers = new Map<string, (message: Out) => void>();
  #echoed = 0;

  constructor(readonly options: ChildOptions) {
    mkdirSync(PATHS.logs, { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.process = spawn(process.execPath, [...TSX, ...(options.nodeArgs ?? []), options.entry], {
      cwd: ROOT,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let buffered = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        // Warnings and errors (pino level ≥ 40, or anything not JSON) also go to the terminal.
        const level = /"level":(\d+)/.exec(line)?.[1];
        if ((level === undefined || Number(level) >= 40) && this.#echoed++ < 20) {
          console.error(`  [${options.name}] ${line.slice(0, 400)}`);
        }
      }
    };
    this.process.stdout?.on('data', onData);
    this.process.stderr?.on('data', onData);
    this.process.on('message', (message: Out) => this.#receive(message));
    this.exited = new Promise((resolve) =>
      this.process.on('exit', (code, signal) => {
        log.end();
        const how = code ?? signal ?? -1;
        const error = new Error(`${options.name} exited (${how}) while awaited:\n${this.tail()}`);
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(error);
        }
        resolve(how);
      }),
    );
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  tail(n = 15): string {
    return this.lines
      .slice(-n)
      .map((l) => `    ${l.slice(0, 400)}`)
      .join('\n');
  }

  send(message: In): void {
    if (this.process.connected) this.process.send(message);
  }

  on<T extends Out['type']>(type: T, handler: (message: Extract<Out, { type: T }>) => void): void {
    this.#handlers.set(type, handler as (message: Out) => void);
  }

  next<T extends Out['type']>(type: T, timeoutMs: number): Promise<Extract<Out, { type: T }>> {
    const index = this.#unclaimed.findIndex((m) => m.type === type);
    if (index >= 0) {
      const [message] = this.#unclaimed.splice(index, 1);
      return Promise.resolve(message as Extract<Out, { type: T }>);
    }
    if (!this.running) return Promise.reject(new Error(`${this.options.name} is not running`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter<Out> = {
        type,
        resolve: resolve as (message: Out) => void,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(
            new Error(`${this.options.name}: no "${type}" within ${timeoutMs / 1000} s:\n${this.tail()}`),
          );
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #receive(message: Out): void {
    if (message.type === 'error') {
      const text = (message as { message?: unknown }).message;
      const error = new Error(`${this.options.name} failed: ${String(text)}`);
      for (const waiter of this.#waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
      return;
    }
    const handler = this.#handlers.get(message.type);
    if (handler) {
      handler(message);
      return;
    }
    const index = this.#waiters.findIndex((w) => w.type === message.type);
    if (index < 0) {
      this.#unclaimed.push(message);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.process.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The script path of one of this folder's children, relative to the repository root. */
export const benchEntry = (file: string) => `scripts/bench/pipeline/${file}`;

/** `--import` of hooks.ts, for our server and workers. */
export const hooksImport = ['--import', pathToFileURL(`${HERE}hooks.ts`).href];

// ── /proc readings (Linux) ─────────────────────────────────────────────────────────────────

/** Resident set size in bytes (VmRSS), or NaN. */
export function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) in ms, or NaN. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at index 2 ("state").
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

export function openFdsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** The process's "Max open files" soft and hard limits. */
export function fdLimitOf(pid: number): { soft: number; hard: number } | undefined {
  try {
    const line = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (!line) return undefined;
    return { soft: Number(line[1]), hard: Number(line[2]) };
  } catch {
    return undefined;
  }
}
