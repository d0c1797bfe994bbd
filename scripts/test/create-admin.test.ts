import { connectMongo, hostModel } from '@rallyboard/core/db';
import { verifyPassword } from '@rallyboard/server/auth';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../test/support/commands.js';
import { randomId, testEnv } from '../../test/support/config.js';

const env = testEnv();
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(env.MONGODB_URI ?? '', 'test');
});
afterAll(async () => {
  await mongo.close();
});

const createAdmin = (args: string[], input?: string) =>
  runCommand('scripts/create-admin.ts', args, env, input === undefined ? {} : { input });

describe('npm run create-admin', () => {
  it('creates an admin from the password on stdin and prints its id', async () => {
    const username = randomId('Ops');
    const run = await createAdmin(['--username', username], 'a strong admin password\n');
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^h[A-Za-z0-9_-]{12}$/);
    const host = await hostModel(mongo).findById(id).lean();
    expect(host).toMatchObject({ username: username.toLowerCase(), role: 'admin' });
    expect(await verifyPassword('a strong admin password', host?.passwordHash ?? '')).toBe(true);
    expect(run.stdout + run.stderr).not.toContain('a strong admin password');
  });

  it('refuses a username that is taken and creates nothing', async () => {
    const username = randomId('taken');
    expect((await createAdmin(['--username', username], 'first password 123\n')).code).toBe(0);
    const again = await createAdmin(['--username', username], 'second password 123\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/taken/);
    expect(again.stdout).toBe('');
    expect(await hostModel(mongo).countDocuments({ username })).toBe(1);
  });

  it('refuses a short password, a missing username and a bad one, creating nothing', async () => {
    const username = randomId('short');
    const short = await createAdmin(['--username', username], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/password must be at least 10 characters/);
    const noName = await createAdmin([], 'a strong admin password\n');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/usage: npm run create-admin -- --username/);
    const badName = await createAdmin(['--username', 'no spaces allowed'], 'a strong admin password\n');
    expect(badName.code).toBe(2);
    expect(await hostModel(mongo).countDocuments({ username })).toBe(0);
  });
});
