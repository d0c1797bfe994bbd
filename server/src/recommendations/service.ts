import { type CampaignDoc, campaignModel } from '@rallyboard/core/db';
import type { CampaignStatus, Recommendations } from '@rallyboard/core/protocol';
import { decodeScore, type KeyBuilder, type RedisClient, readInterests } from '@rallyboard/core/redis';
import { Cluster } from 'ioredis';
import type { Connection } from 'mongoose';
import { type CatalogueCampaign, type CatalogueCandidate, recommend } from './rank.js';

export interface RecommendationDeps {
  mongo: Connection;
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'board' | 'interests'>;
  now: () => number;
}

/** Campaigns a participant may be sent to: public, published and still taking votes (or about to). */
const OPEN: CampaignStatus[] = ['scheduled', 'live', 'paused', 'frozen'];
/** The catalogue is read at most this often per process: every participant's call shares it. */
const CATALOGUE_TTL_MS = 10_000;
/** Campaigns in the catalogue, newest first, and candidates read per campaign for their counts. */
const CAMPAIGNS = 200;
const TOP = 100;

type Catalogue = { candidates: CatalogueCandidate[]; campaigns: CatalogueCampaign[] };
type Listed = Pick<CampaignDoc, '_id' | 'title' | 'coverImageUrl' | 'members' | 'tags' | 'status'>;

/** Each campaign's counted votes per candidate on its public ranking (the snapshot while frozen). */
async function countsOf(deps: RecommendationDeps, campaigns: readonly Listed[]) {
  const keyOf = (c: Listed) => {
    const board = deps.keys.board(c._id);
    return c.status === 'frozen' ? board.frozen.scores : board.scores;
  };
  // One pipeline on a single Redis; one call per board, sent together, on a cluster (boards lie in many slots).
  let replies: string[][];
  if (deps.redis instanceof Cluster) {
    const { redis } = deps;
    replies = await Promise.all(
      campaigns.map((c) => redis.zrange(keyOf(c), '0', String(TOP - 1), 'WITHSCORES')),
    );
  } else {
    const pipeline = deps.redis.pipeline();
    for (const c of campaigns) pipeline.zrange(keyOf(c), '0', String(TOP - 1), 'WITHSCORES');
    replies = ((await pipeline.exec()) ?? []).map(([error, flat]) => {
      if (error) throw error;
      return flat as string[];
    });
  }
  return campaigns.map((_, i) => {
    const flat = replies[i] ?? [];
    const counts = new Map<string, number>();
    for (let j = 0; j + 1 < flat.length; j += 2)
      counts.set(flat[j] ?? '', decodeScore(Number(flat[j + 1])).count);
    return counts;
  });
}

async function readCatalogue(deps: RecommendationDeps): Promise<Catalogue> {
  const listed = await campaignModel(deps.mongo)
    .find(
      { status: { $in: OPEN }, visibility: 'public' },
      { title: 1, coverImageUrl: 1, members: 1, tags: 1, status: 1 },
    )
    .sort({ createdAt: -1 })
    .limit(CAMPAIGNS)
    .lean<Listed[]>();
  const counts = await countsOf(deps, listed);
  const candidates: CatalogueCandidate[] = [];
  const campaigns: CatalogueCampaign[] = [];
  listed.forEach((c, i) => {
    const own = c.tags ?? [];
    const scores = counts[i] ?? new Map<string, number>();
    for (const m of c.members) {
      candidates.push({
        campaignId: c._id,
        campaignTitle: c.title,
        candidateId: m.candidateId,
        name: m.name,
        imageUrl: m.imageUrl,
        tags: [...new Set([...(m.tags ?? []), ...own])],
        popularity: scores.get(m.candidateId) ?? 0,
      });
    }
    campaigns.push({
      campaignId: c._id,
      title: c.title,
      coverImageUrl: c.coverImageUrl,
      tags: [...new Set([...own, ...c.members.flatMap((m) => m.tags ?? [])])],
      popularity: [...scores.values()].reduce((sum, n) => sum + n, 0),
    });
  });
  return { candidates, campaigns };
}

/**
 * 猜你喜欢 for one participant, from their interests and touched candidates in Redis and a
 * catalogue of open public campaigns shared by every call for ten seconds.
 */
export function createRecommender(deps: RecommendationDeps) {
  let cached: { at: number; catalogue: Promise<Catalogue> } | undefined;
  const catalogue = () => {
    const now = deps.now();
    if (!cached || now - cached.at > CATALOGUE_TTL_MS) {
      const read = readCatalogue(deps);
      cached = { at: now, catalogue: read };
      // A failed read is not kept: the next call reads again.
      read.catch(() => {
        if (cached?.catalogue === read) cached = undefined;
      });
    }
    return cached.catalogue;
  };
  return async (participantId: string, limit: number): Promise<Recommendations> => {
    const [taste, listed] = await Promise.all([
      readInterests(deps.redis, deps.keys, participantId),
      catalogue(),
    ]);
    return { personalized: taste.personalized, ...recommend(taste, listed, limit) };
  };
}
export type Recommender = ReturnType<typeof createRecommender>;
