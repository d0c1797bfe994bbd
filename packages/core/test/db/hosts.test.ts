import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';
import { createHost, type HostModel, hostModel, newHostId } from '../../src/db/hosts.js';
import { hostIdSchema } from '../../src/protocol/hosts.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let hosts: HostModel;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  hosts = hostModel(mongo);
  await hosts.init();
});
afterAll(async () => {
  await mongo.close();
});

const account = (username: string) => ({
  username,
  passwordHash: 'scrypt$2$1$1$c2FsdA$aGFzaA',
  role: 'host' as const,
});

describe('host accounts', () => {
  it('have ids in the host id alphabet', () => {
    for (let i = 0; i < 50; i++) expect(hostIdSchema.safeParse(newHostId()).success).toBe(true);
  });

  it('are stored with the username in lower case', async () => {
    const name = randomId('Mixed');
    const host = await createHost(hosts, account(name));
    const stored = await hosts.findById(host._id).lean();
    expect(stored).toMatchObject({ username: name.toLowerCase(), role: 'host' });
    expect(stored?.createdAt).toBeInstanceOf(Date);
  });

  it('refuse a username that is taken, whatever its case, with USERNAME_TAKEN', async () => {
    const name = randomId('taken');
    await createHost(hosts, account(name));
    await expect(createHost(hosts, account(name.toUpperCase()))).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
      details: { username: name },
    });
    expect(await hosts.countDocuments({ username: name })).toBe(1);
  });

  it('let only one of two racing creations of a username succeed', async () => {
    const name = randomId('race');
    const results = await Promise.allSettled([
      createHost(hosts, account(name)),
      createHost(hosts, account(name)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'USERNAME_TAKEN' },
    });
    expect(await hosts.countDocuments({ username: name })).toBe(1);
  });
});
