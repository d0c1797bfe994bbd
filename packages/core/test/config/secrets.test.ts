import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, type Env, loadConfig, requireTokenSecrets } from '../../src/config/index.js';

const strong = () => randomBytes(48).toString('base64');
/** The public secret every earlier version signed with when JWT_SECRET was unset. */
const PUBLIC_DEFAULT = 'rallyboard-development-secret-not-for-production';

/** The problems loadConfig finds with the token secrets of `env`, or [] when it takes them. */
function secretProblems(env: Env): string[] {
  try {
    requireTokenSecrets(loadConfig(env));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('token secrets', () => {
  const outsideDevelopment: Env[] = [
    { NODE_ENV: 'production', HOST: '0.0.0.0' },
    { NODE_ENV: 'production', HOST: '127.0.0.1' },
    { NODE_ENV: 'test', HOST: '127.0.0.1' },
    // NODE_ENV left to its default is not "explicitly in development".
    { HOST: '127.0.0.1' },
    { NODE_ENV: 'development', HOST: '0.0.0.0' },
    { NODE_ENV: 'development', HOST: '192.168.1.20' },
  ];

  it.each(outsideDevelopment)('are required outside development on loopback (%o)', (env) => {
    const problems = secretProblems(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^JWT_SECRET: not set/);
    expect(problems[0]).toContain('openssl rand -base64 48');
  });

  const weak: [string, string, RegExp][] = [
    ['the public development default', PUBLIC_DEFAULT, /public/],
    ["'a' × 32", 'a'.repeat(32), /repeat/],
    ['a short one', strong().slice(0, 24), /24 bytes.*at least 32/],
    ['a short piece repeated', 'Xk9#pQ2z'.repeat(5), /repeat/],
    ['a random half repeated', `${strong().slice(0, 32)}`.repeat(2), /repeat/],
    ['a placeholder', 'change-me-to-a-long-random-string-please', /placeholder/],
    ['few distinct characters', 'abababbaabababbbaaabbbababababababababba', /entropy/],
    ['32 digits', '31415926535897932384626433832795', /entropy/],
  ];

  it.each(weak)('refuse %s outside development on loopback, naming no secret', (_name, secret, reason) => {
    for (const env of outsideDevelopment) {
      const problems = secretProblems({ ...env, JWT_SECRET: secret });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^JWT_SECRET: /);
      expect(problems[0]).toMatch(reason);
      expect(problems[0]).toContain('openssl rand -base64 48');
      expect(problems[0]).not.toContain(secret);
    }
  });

  it('refuse a weak previous secret, and say which', () => {
    const problems = secretProblems({
      NODE_ENV: 'production',
      JWT_SECRET: strong(),
      JWT_PREVIOUS_SECRETS: `${strong()}, ${'a'.repeat(40)}`,
    });
    expect(problems).toEqual([expect.stringMatching(/^JWT_PREVIOUS_SECRETS: the 2nd .*repeat/)]);
  });

  it('take strong secrets, the newest signing and the previous ones listed newest first', () => {
    const [current, previous, oldest] = [strong(), strong(), randomBytes(32).toString('hex')];
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      JWT_SECRET: current,
      JWT_PREVIOUS_SECRETS: ` ${previous} ,${oldest}\n`,
    });
    expect(() => requireTokenSecrets(config)).not.toThrow();
    expect(config.auth.jwtSecret).toBe(current);
    expect(config.auth.previousJwtSecrets).toEqual([previous, oldest]);
  });

  it('accept the public default and weak secrets when explicitly in development on loopback', () => {
    for (const HOST of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      const unset = loadConfig({ NODE_ENV: 'development', HOST });
      expect(unset.auth.jwtSecret).toBe(PUBLIC_DEFAULT);
      expect(() => requireTokenSecrets(unset)).not.toThrow();
      const weakOnes = loadConfig({ NODE_ENV: 'development', HOST, JWT_SECRET: 'a'.repeat(32) });
      expect(weakOnes.auth.jwtSecret).toBe('a'.repeat(32));
    }
  });

  it('leave processes that sign nothing alone: only reading the secrets refuses', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(32) });
    expect(config.redis.managed).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
    expect(() => config.auth.jwtSecret).toThrow(ConfigError);
    expect(() => config.auth.previousJwtSecrets).toThrow(ConfigError);
    expect(() => requireTokenSecrets(config)).toThrow(/JWT_SECRET/);
  });
});
