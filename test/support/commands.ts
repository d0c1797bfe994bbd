import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Env } from '@rallyboard/core/config';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs one of our command-line entries from source (as its npm script does) and collects its output.
 * @param options.input written to its stdin, which is then closed (a pipe, not a TTY); none by default
 */
export function runCommand(
  entry: string,
  args: string[],
  env: Env,
  options: { input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=rallyboard-source', entry, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    // Without input, stdin is closed at once: the command reads end-of-file, as from /dev/null.
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
