import { randomBytes } from 'node:crypto';
import { type Config, type Env, loadConfig } from '@rallyboard/core/config';
import { inject } from 'vitest';

/** A random id for a board, candidate or prefix, so tests never collide and never flush. */
export const randomId = (prefix = 'b'): string => `${prefix}${randomBytes(6).toString('hex')}`;

/**
 * This test file's suffix: each file (a module of its own in vitest's forks pool) gets a
 * database of its own, so no file waits on another's writes or reads through another's ledger.
 * FerretDB filters a collection by scanning it and keeps one SQLite file per database: with one
 * shared database, a file polling its ledger while another wrote 20,000 votes took seconds a
 * query and timed out under load.
 */
const FILE_DATABASE = randomId('f');

/**
 * This file's token secret, random like a real one: outside development on loopback the server
 * refuses a missing or weak secret (packages/core/src/config/secrets.ts).
 */
const TEST_JWT_SECRET = randomBytes(48).toString('base64');

/** The test database: the same server as the run's MONGODB_URI, this file's database of the run. */
export function testMongoUri(): string {
  const url = new URL(inject('mongoUri'));
  url.pathname = `/${inject('mongoDatabase')}_${FILE_DATABASE}`;
  return url.toString();
}

/**
 * The env of one test: the run's real services, a key prefix of its own (so its queue and keys
 * are its alone; it starts with the run's), quiet logs, fast stall detection, and the file's token secret.
 */
export function testEnv(overrides: Env = {}): Env {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: inject('redisUrl'),
    MONGODB_URI: testMongoUri(),
    // Under the run's prefix, whose keys the run deletes at its end (test/global-setup.ts).
    KEY_PREFIX: `${inject('keyPrefix')}${randomBytes(5).toString('hex')}`,
    PORT: '0',
    RELAY_TICK_MS: '50',
    // Tests send thousands of votes from one address; the rate-limit tests turn limits on.
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_DEVICE: '0',
    RATE_LIMIT_PER_VOTER: '0',
    RATE_LIMIT_READS_PER_IP: '0',
    RATE_LIMIT_MEDIA_PER_IP: '0',
    RATE_LIMIT_SOCKET_EVENTS_PER_IP: '0',
    RATE_LIMIT_EVENTS_PER_SOCKET: '0',
    JWT_SECRET: TEST_JWT_SECRET,
    ...overrides,
  };
}

export function testConfig(overrides: Env = {}): Config {
  return loadConfig(testEnv(overrides));
}
