import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Env } from '@rallyboard/core/config';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../test/support/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Starts the server's real entry (`server/src/main.ts`, as `npm run server` does) with `env`, and
 * says whether it came up listening or exited; a server that listens is stopped at once.
 */
function startServer(
  env: Env,
): Promise<{ outcome: 'listening' | 'exited'; code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=rallyboard-source', 'server/src/main.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let listening = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!listening && output.includes('server listening')) {
        listening = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ outcome: listening ? 'listening' : 'exited', code, output }));
  });
}

/** The public secret every earlier version signed with when JWT_SECRET was unset. */
const PUBLIC_DEFAULT = 'rallyboard-development-secret-not-for-production';

describe('the server, started with a token secret', () => {
  const refused: [string, Env][] = [
    ['none, in test', { JWT_SECRET: '' }],
    ['none, NODE_ENV left to its default', { NODE_ENV: undefined, JWT_SECRET: '' }],
    ['the public default, in production', { NODE_ENV: 'production', JWT_SECRET: PUBLIC_DEFAULT }],
    ["'a' × 32, in production", { NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(32) }],
    [
      'a short one, in production',
      { NODE_ENV: 'production', JWT_SECRET: randomBytes(12).toString('base64') },
    ],
    [
      'the public default, in development on every address',
      { NODE_ENV: 'development', HOST: '0.0.0.0', JWT_SECRET: PUBLIC_DEFAULT },
    ],
  ];

  it.each(refused)('refuses to start with %s, saying how to make one', async (_name, overrides) => {
    const { outcome, code, output } = await startServer(testEnv(overrides));
    expect(outcome).toBe('exited');
    expect(code).toBe(1);
    expect(output).toContain('ConfigError');
    expect(output).toMatch(/JWT_SECRET: /);
    expect(output).toContain('openssl rand -base64 48');
    expect(output).not.toContain('server listening');
  });

  it('starts in development on loopback with the public default or none', async () => {
    for (const JWT_SECRET of [PUBLIC_DEFAULT, '']) {
      const { outcome } = await startServer(
        testEnv({ NODE_ENV: 'development', HOST: '127.0.0.1', JWT_SECRET }),
      );
      expect(outcome).toBe('listening');
    }
  });

  it('starts anywhere with a strong secret', async () => {
    const JWT_SECRET = randomBytes(48).toString('base64');
    const { outcome } = await startServer(testEnv({ NODE_ENV: 'production', JWT_SECRET }));
    expect(outcome).toBe('listening');
  });
});
