import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';
import {
  type ParticipantModel,
  participantIdOf,
  participantModel,
  recordLogin,
} from '../../src/db/participants.js';
import { participantIdSchema } from '../../src/protocol/auth.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let participants: ParticipantModel;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  participants = participantModel(mongo);
});
afterAll(async () => {
  await mongo.close();
});

describe('participantIdOf', () => {
  it('gives one WeChat user of one app always the same id, of the participant id form', () => {
    const id = participantIdOf('wx1', 'o-abc');
    expect(id).toBe(participantIdOf('wx1', 'o-abc'));
    expect(participantIdSchema.safeParse(id).success).toBe(true);
  });

  it('gives the same openid in another app, and other openids, other ids', () => {
    const id = participantIdOf('wx1', 'o-abc');
    expect(participantIdOf('wx2', 'o-abc')).not.toBe(id);
    expect(participantIdOf('wx1', 'o-abd')).not.toBe(id);
    // The separator keeps (appId, openid) pairs apart that concatenate alike.
    expect(participantIdOf('wx1o', '-abc')).not.toBe(id);
  });
});

describe('recordLogin', () => {
  it('creates the participant on the first login and keeps firstSeenAt on later ones', async () => {
    const openid = randomId('o-');
    const first = new Date('2026-11-20T08:00:00Z');
    const later = new Date('2026-11-24T09:30:00Z');
    const created = await recordLogin(participants, { appId: 'wx1', openid }, first);
    expect(created).toEqual({
      _id: participantIdOf('wx1', openid),
      appId: 'wx1',
      openid,
      firstSeenAt: first,
      lastLoginAt: first,
    });
    const again = await recordLogin(participants, { appId: 'wx1', openid, unionid: 'u-1' }, later);
    expect(again).toEqual({ ...created, unionid: 'u-1', lastLoginAt: later });
    expect(await participants.countDocuments({ openid })).toBe(1);
  });

  it('makes one participant of racing first logins of one user', async () => {
    const openid = randomId('o-');
    const logins = await Promise.all(
      Array.from({ length: 8 }, () => recordLogin(participants, { appId: 'wx1', openid })),
    );
    expect(new Set(logins.map((p) => p._id)).size).toBe(1);
    expect(await participants.countDocuments({ openid })).toBe(1);
  });
});
