import { RISK_WINDOWS, type RiskFeatures, riskFeaturesSchema } from '../protocol/risk.js';
import type { RiskDashboard } from '../protocol/risk-dashboard.js';
import type { RedisClient } from './connection.js';
import { getEach } from './cross-slot.js';
import type { KeyBuilder } from './keys.js';
import { runScript } from './scripts.js';

/** One vote to measure, with the networks of its IP (see risk/network.ts). */
export interface VoteToAssess {
  voteId: string;
  voterId: string;
  acceptedAt: number;
  candidateId: string;
  ip: string;
  net24: string;
  net16: string;
  deviceId?: string | undefined;
  fingerprint?: string | undefined;
  inviterId?: string | undefined;
  dwellMs?: number | undefined;
  wechatRiskRank?: number | undefined;
}

/**
 * Measures a batch of one board's votes (assessVotes-5+.lua), in order, and records them in the
 * windows. A vote measured before gets its stored measurements back.
 */
export async function assessVotes(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  votes: readonly VoteToAssess[],
  options: {
    ttlSeconds: number;
    /** A tap at most this fast is a new account's own evidence (the campaign's fastTap threshold). */
    fastTapMs: number;
  },
): Promise<RiskFeatures[]> {
  if (votes.length === 0) return [];
  const r = keys.board(boardId).risk;
  const voteKeys: string[] = [];
  const args: (string | number)[] = [];
  for (const v of votes) {
    const inviter = v.inviterId ?? '';
    voteKeys.push(
      r.assessment(v.voteId),
      r.voter(v.voterId),
      r.accounts('device', v.deviceId ?? ''),
      r.accounts('fingerprint', v.fingerprint ?? ''),
      r.accounts('ip', v.ip),
      r.accounts('subnet', v.net24),
      r.candidateAccounts('ip', v.ip, v.candidateId),
      r.candidateAccounts('subnet', v.net24, v.candidateId),
      r.candidate(v.candidateId),
      r.voter(inviter),
      r.sharedInvitees(inviter),
      r.candidateVoters(v.candidateId),
      r.candidateSuspects('ip', v.ip, v.candidateId),
      r.candidateSuspects('subnet', v.net24, v.candidateId),
      r.candidateFirsts(v.candidateId),
      r.invitees(inviter),
      r.candidateSeconds(v.candidateId),
      r.inviteeSuspects(inviter),
    );
    args.push(
      v.voterId,
      v.acceptedAt,
      v.deviceId ?? '',
      v.fingerprint ?? '',
      v.ip,
      v.net24,
      v.net16,
      v.candidateId,
      inviter,
      v.dwellMs ?? -1,
      v.wechatRiskRank ?? -1,
    );
  }
  const reply = await runScript(
    redis,
    'assessVotes',
    [r.net16, r.net24, r.ips, r.deviceAccounts, r.fingerprintAccounts, ...voteKeys],
    [
      RISK_WINDOWS.shortMs,
      RISK_WINDOWS.longMs,
      RISK_WINDOWS.spikeMs,
      RISK_WINDOWS.baselineMs,
      RISK_WINDOWS.newAccountMs,
      options.ttlSeconds,
      RISK_WINDOWS.waveTapMs,
      options.fastTapMs,
      ...args,
    ],
  );
  if (!Array.isArray(reply) || reply.length !== votes.length) {
    throw new Error('assessVotes returned an unexpected reply');
  }
  return reply.map((json) => riskFeaturesSchema.parse(JSON.parse(String(json))));
}

const RANK_TTL_SECONDS = 24 * 3_600;

/** Keeps a participant's WeChat risk rank, fetched at login, for a day. */
export async function storeWechatRiskRank(
  redis: RedisClient,
  keys: KeyBuilder,
  participantId: string,
  rank: number,
): Promise<void> {
  await redis.set(keys.wechatRiskRank(participantId), rank, 'EX', RANK_TTL_SECONDS);
}

/** The cached WeChat risk ranks of some voters (undefined: unknown). */
export async function cachedWechatRiskRanks(
  redis: RedisClient,
  keys: KeyBuilder,
  voterIds: readonly string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(voterIds)];
  const ranks = new Map<string, number>();
  if (unique.length === 0) return ranks;
  const values = await getEach(
    redis,
    unique.map((id) => keys.wechatRiskRank(id)),
  );
  values.forEach((value, i) => {
    const rank = value === null ? Number.NaN : Number(value);
    if (Number.isInteger(rank) && rank >= 0 && rank <= 4) ranks.set(unique[i] as string, rank);
  });
  return ranks;
}

export type VerdictTally = 'counted' | 'held' | 'rejected';

/** Adds decided votes to the per-minute verdict tallies of the dashboard. */
export async function tallyVerdicts(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  counts: ReadonlyMap<string, number>,
): Promise<void> {
  if (counts.size === 0) return;
  const key = keys.board(boardId).risk.verdicts;
  const totals = new Map<string, number>();
  const pipeline = redis.pipeline();
  for (const [field, n] of counts) {
    pipeline.hincrby(key, field, n);
    const total = totalField(field.slice(field.indexOf(':') + 1) as VerdictTally);
    totals.set(total, (totals.get(total) ?? 0) + n);
  }
  // The campaign's running totals sit beside the minutes, so the console's monitor reads three
  // fields instead of summing every minute of the campaign.
  for (const [field, n] of totals) pipeline.hincrby(key, field, n);
  pipeline.pexpire(key, 30 * 24 * 3_600_000);
  await pipeline.exec();
}

/** The field of a verdict's running total over the board's life: `all:<verdict>`. */
const totalField = (verdict: VerdictTally) => `all:${verdict}`;

/**
 * The votes the workers decided for a board, by verdict, since the tallies began (risk-judged
 * boards only). A verdict is tallied once, when first decided: a counted vote later held with its
 * cluster stays in `counted`, and the review queue says what is held now.
 */
export async function readVerdictTotals(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
): Promise<Record<VerdictTally, number>> {
  const [counted, held, rejected] = await redis.hmget(
    keys.board(boardId).risk.verdicts,
    totalField('counted'),
    totalField('held'),
    totalField('rejected'),
  );
  return { counted: Number(counted ?? 0), held: Number(held ?? 0), rejected: Number(rejected ?? 0) };
}

/** The field of a verdict tally: `<minute>:<verdict>`, the minute in epoch minutes. */
export const verdictField = (at: number, verdict: VerdictTally) => `${Math.floor(at / 60_000)}:${verdict}`;

const pairs = (flat: string[]) => {
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
  return out;
};

/**
 * What the console charts, from the tallies the workers keep: networks, devices and IPs, each
 * candidate's votes per minute, and the verdicts per minute, over the last `minutes`.
 */
export async function readRiskDashboard(
  redis: RedisClient,
  keys: KeyBuilder,
  boardId: string,
  options: { candidates: readonly string[]; minutes: number; top: number; now: number },
): Promise<RiskDashboard> {
  const r = keys.board(boardId).risk;
  const last = Math.floor(options.now / 60_000);
  const minutes = Array.from({ length: options.minutes }, (_, i) => last - options.minutes + 1 + i);
  const pipeline = redis.pipeline();
  pipeline.hgetall(r.net16);
  pipeline.zrevrange(r.net24, 0, options.top - 1, 'WITHSCORES');
  pipeline.zrevrange(r.deviceAccounts, 0, options.top - 1, 'WITHSCORES');
  pipeline.zrevrange(r.fingerprintAccounts, 0, options.top - 1, 'WITHSCORES');
  pipeline.zrevrange(r.ips, 0, options.top - 1, 'WITHSCORES');
  pipeline.hmget(r.verdicts, ...minutes.flatMap((m) => [`${m}:counted`, `${m}:held`, `${m}:rejected`]));
  for (const c of options.candidates) pipeline.hmget(r.candidate(c), ...minutes.map((m) => `v:${m}`));
  const results = await pipeline.exec();
  if (!results) throw new Error('dashboard pipeline was discarded');
  const value = (i: number): unknown => {
    const [error, v] = results[i] ?? [];
    if (error) throw error;
    return v;
  };
  const net16 = Object.entries((value(0) as Record<string, string>) ?? {})
    .map(([network, votes]) => ({ network, votes: Number(votes) }))
    .sort((a, b) => b.votes - a.votes || a.network.localeCompare(b.network));
  const verdictCounts = value(5) as (string | null)[];
  const candidateCounts = options.candidates.map((_, j) => value(6 + j) as (string | null)[]);
  const iso = (m: number) => new Date(m * 60_000).toISOString();
  return {
    networks16: net16,
    topSubnets: pairs(value(1) as string[]).map(([network, votes]) => ({ network, votes })),
    topDevices: pairs(value(2) as string[]).map(([deviceId, accounts]) => ({ deviceId, accounts })),
    topFingerprints: pairs(value(3) as string[]).map(([fingerprint, accounts]) => ({
      fingerprint,
      accounts,
    })),
    topIps: pairs(value(4) as string[]).map(([ip, votes]) => ({ ip, votes })),
    rates: minutes.map((m, i) => {
      const candidates: Record<string, number> = {};
      let total = 0;
      options.candidates.forEach((c, j) => {
        const n = Number(candidateCounts[j]?.[i] ?? 0);
        if (n > 0) candidates[c] = n;
        total += n;
      });
      return { minute: iso(m), candidates, total };
    }),
    verdicts: minutes.map((m, i) => {
      const [counted, held, rejected] = [0, 1, 2].map((j) => Number(verdictCounts[3 * i + j] ?? 0)) as [
        number,
        number,
        number,
      ];
      const all = counted + held + rejected;
      return {
        minute: iso(m),
        counted,
        held,
        rejected,
        heldShare: all === 0 ? 0 : held / all,
        rejectedShare: all === 0 ? 0 : rejected / all,
      };
    }),
  };
}
