import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectMongo, hostModel } from '@rallyboard/core/db';
import { verifyPassword } from '@rallyboard/server/auth';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/support/config.js';
import { DEMO_HOST_USERNAME, ensureDemoHost } from '../demo-host.js';

const config = testConfig();
const dir = mkdtempSync(join(tmpdir(), 'rallyboard-demo-host-'));
const file = join(dir, 'demo-host.json');
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
});
afterAll(async () => {
  await mongo.close();
  rmSync(dir, { recursive: true, force: true });
});

const demoAccounts = () => hostModel(mongo).find({ username: DEMO_HOST_USERNAME }).lean();

describe("npm start's demo host", () => {
  it('is an admin made once with a random password, kept for the next start in a file only its owner reads', async () => {
    const first = await ensureDemoHost(config, file);
    expect(first.username).toBe('demo');
    expect(first.password.length).toBeGreaterThanOrEqual(12);
    const [account, ...more] = await demoAccounts();
    expect(more).toEqual([]);
    expect(account?.role).toBe('admin');
    expect(await verifyPassword(first.password, account?.passwordHash ?? '')).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = await ensureDemoHost(config, file);
    expect(again).toEqual(first);
    const accounts = await demoAccounts();
    expect(accounts.map((a) => a._id)).toEqual([account?._id]);
    expect(accounts[0]?.passwordHash).toBe(account?.passwordHash);
  });

  it('gets a new password when its file is gone, and the old one stops working', async () => {
    const before = await ensureDemoHost(config, file);
    rmSync(file);
    const after = await ensureDemoHost(config, file);
    expect(after.password).not.toBe(before.password);
    const [account, ...more] = await demoAccounts();
    expect(more).toEqual([]);
    expect(await verifyPassword(after.password, account?.passwordHash ?? '')).toBe(true);
    expect(await verifyPassword(before.password, account?.passwordHash ?? '')).toBe(false);
  });
});
