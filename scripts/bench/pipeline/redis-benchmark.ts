// Reference (c) of the pipeline benchmark: `redis-benchmark` running ZINCRBY against the same
// Redis, the ceiling of what any pipeline of ours could apply through one Redis.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RedisBenchmarkRun {
  args: string[];
  requestsPerS: number;
  p50Ms: number;
}

/** redis-benchmark from PATH, or next to redis-server (Debian's redis-tools / redis-server). */
export function findRedisBenchmark(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'redis-benchmark'))) return join(dir, 'redis-benchmark');
  }
  return undefined;
}

/** Connection arguments for redis-benchmark from a redis:// URL. */
export function connectionArgs(redisUrl: string): string[] {
  const url = new URL(redisUrl);
  const args = ['-h', url.hostname || '127.0.0.1', '-p', url.port || '6379'];
  if (url.username && url.username !== 'default') args.push('--user', decodeURIComponent(url.username));
  if (url.password) args.push('-a', decodeURIComponent(url.password));
  return args;
}

export async function runRedisBenchmark(binary: string, args: string[]): Promise<RedisBenchmarkRun> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`redis-benchmark exited ${code}: ${text.slice(-500)}`)),
    );
  });
  // `-q` prints progress lines separated by \r, then "…: 123456.79 requests per second, p50=0.231 msec".
  const last = [...output.matchAll(/([\d.]+) requests per second(?:, p50=([\d.]+) msec)?/g)].at(-1);
  if (!last) throw new Error(`could not read redis-benchmark's output: ${output.slice(-300)}`);
  const shown = args.map((a, i) => (args[i - 1] === '-a' ? '***' : a));
  return { args: shown, requestsPerS: Number(last[1]), p50Ms: Number(last[2] ?? Number.NaN) };
}
