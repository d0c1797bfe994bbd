import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, requireTokenSecrets } from '@rallyboard/core/config';
import { describe, expect, it } from 'vitest';
import { localStackEnv } from '../local-secret.js';

const dir = mkdtempSync(join(tmpdir(), 'rallyboard-local-secret-'));

describe('the local stack token secret (npm start)', () => {
  it('is made random on the first start, kept in .data/ (0600), and the same on every start', () => {
    const file = join(dir, 'first', 'jwt-secret');
    const env = localStackEnv({ PATH: '/bin' }, file);
    expect(env.PATH).toBe('/bin');
    const secret = env.JWT_SECRET ?? '';
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Strong enough for production: the local stack never signs with the public default.
    const config = loadConfig({ ...env, NODE_ENV: 'production', HOST: '0.0.0.0' });
    expect(() => requireTokenSecrets(config)).not.toThrow();
    expect(config.auth.jwtSecret).toBe(secret);
    expect(localStackEnv({}, file).JWT_SECRET).toBe(secret);
    expect(localStackEnv({}, join(dir, 'other', 'jwt-secret')).JWT_SECRET).not.toBe(secret);
  });

  it('is made again when the kept one is too weak, and never overrides a JWT_SECRET given', () => {
    const file = join(dir, 'weak', 'jwt-secret');
    localStackEnv({}, file);
    writeFileSync(file, `${'a'.repeat(40)}\n`);
    const remade = localStackEnv({}, file).JWT_SECRET ?? '';
    expect(remade).not.toBe('a'.repeat(40));
    expect(() =>
      requireTokenSecrets(loadConfig({ NODE_ENV: 'production', JWT_SECRET: remade })),
    ).not.toThrow();
    const given = 'given-by-the-operator-'.padEnd(48, 'x');
    expect(localStackEnv({ JWT_SECRET: given }, file).JWT_SECRET).toBe(given);
    expect(readFileSync(file, 'utf8').trim()).toBe(remade);
  });
});
