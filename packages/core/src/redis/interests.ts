import type { RedisClient } from './connection.js';
import type { KeyBuilder } from './keys.js';
import { runScript } from './scripts.js';

type Keys = Pick<KeyBuilder, 'interests'>;

/**
 * Interest weights decay with a half-life of two weeks. Rather than rewrite every weight as time
 * passes, each like adds 2^((t − EPOCH) / HALF_LIFE): a newer like adds more by exactly the decay
 * the older ones have had, so the ratios of weights (all a ranking reads) are those of decayed
 * sums. Doubles hold this for about 40 years from EPOCH.
 */
export const INTEREST_HALF_LIFE_MS = 14 * 86_400_000;
const EPOCH = Date.UTC(2026, 0, 1);
/** Interests of a participant idle this long are forgotten. */
const INTEREST_TTL_SECONDS = 180 * 86_400;

/** What one like at `at` adds to each of its tags' weights. */
export const likeWeight = (at: number): number => 2 ** ((at - EPOCH) / INTEREST_HALF_LIFE_MS);

/**
 * Writes a campaign's tags, its own and its candidates', for the workers to read when a like
 * counts (replacing what was there: a tag removed is gone).
 */
export async function writeInterestTags(
  redis: RedisClient,
  keys: Keys,
  campaign: {
    _id: string;
    tags?: readonly string[] | undefined;
    members: readonly { candidateId: string; tags?: readonly string[] | undefined }[];
  },
): Promise<void> {
  const key = keys.interests.tags(campaign._id);
  const fields: Record<string, string> = {};
  if (campaign.tags?.length) fields[''] = campaign.tags.join(',');
  for (const m of campaign.members) if (m.tags?.length) fields[m.candidateId] = m.tags.join(',');
  const pipeline = redis.pipeline().del(key);
  if (Object.keys(fields).length > 0) pipeline.hset(key, fields);
  await pipeline.exec();
}

/** The tags a like of `candidateId` teaches: its own and its campaign's, or none. */
export async function tagsOfCandidate(
  redis: RedisClient,
  keys: Keys,
  campaignId: string,
  candidateIds: readonly string[],
): Promise<Map<string, string[]>> {
  const values = await redis.hmget(keys.interests.tags(campaignId), '', ...candidateIds);
  const split = (v: string | null | undefined) => (v ? v.split(',') : []);
  const own = split(values[0]);
  return new Map(candidateIds.map((id, i) => [id, [...new Set([...split(values[i + 1]), ...own])]]));
}

/** One participant's counted acts of a batch: what they touched, and the tags their likes teach. */
export interface InterestUpdate {
  participantId: string;
  touched: string[];
  /** Tag → weight to add. */
  weights: Map<string, number>;
}

/**
 * Records a batch's counted acts: one script call per participant (recordInterests-3.lua), sent
 * together. The script writes a participant's weights only while they have not turned
 * personalised recommendations off, read in the same step: until 2026-12-07 the flag was read
 * before the write, and interests turned off in between came back, for 180 days.
 */
export async function recordInterests(redis: RedisClient, keys: Keys, updates: readonly InterestUpdate[]) {
  await Promise.all(
    updates.map((u) =>
      runScript(
        redis,
        'recordInterests',
        [
          keys.interests.off(u.participantId),
          keys.interests.of(u.participantId),
          keys.interests.touched(u.participantId),
        ],
        [
          INTEREST_TTL_SECONDS,
          u.touched.length,
          ...u.touched,
          ...[...u.weights].flatMap(([tag, w]) => [tag, w]),
        ],
      ),
    ),
  );
}

/**
 * Turns a participant's personalised recommendations off (their interests are deleted, and no
 * like teaches any until they turn them on again) or on.
 */
export async function setPersonalized(redis: RedisClient, keys: Keys, participantId: string, on: boolean) {
  if (on) {
    await redis.del(keys.interests.off(participantId));
    return;
  }
  await redis
    .multi()
    .set(keys.interests.off(participantId), '1')
    .del(keys.interests.of(participantId))
    .exec();
}

/** A participant's interests, strongest first, as shares of their total (0–1); and what they touched. */
export async function readInterests(
  redis: RedisClient,
  keys: Keys,
  participantId: string,
): Promise<{ interests: Map<string, number>; touched: Set<string>; personalized: boolean }> {
  const [flat, touched, off] = await Promise.all([
    redis.zrevrange(keys.interests.of(participantId), 0, 49, 'WITHSCORES'),
    redis.smembers(keys.interests.touched(participantId)),
    redis.exists(keys.interests.off(participantId)),
  ]);
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? '', Number(flat[i + 1])]);
  const total = pairs.reduce((sum, [, w]) => sum + w, 0);
  if (off === 1) return { interests: new Map(), touched: new Set(), personalized: false };
  return {
    interests: new Map(total > 0 ? pairs.map(([tag, w]) => [tag, w / total]) : []),
    touched: new Set(touched),
    personalized: true,
  };
}
