/**
 * `npm run bench:risk`: what risk control costs a worker batch. On the local Redis, in one run,
 * the same stream of votes (5,000 voters on 4,000 devices and 1,500 /24s, 12 candidates) goes
 * through, batch by batch (WORKER_BATCH_MAX votes):
 *   - `apply`: applyVotes-9+.lua alone, as a board without risk control is applied;
 *   - `riskApply`: assessVotes-5+.lua + the rules (assessVote) + applyVotes, as the worker does.
 * Prints votes/s and per-batch milliseconds of each, and the share risk control adds; writes JSON
 * to bench-results/. MongoDB is not involved: the ledger write is the same with or without it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadConfig } from '@rallyboard/core/config';
import { dayOf } from '@rallyboard/core/protocol';
import {
  applyVotes,
  assessVotes,
  closeRedis,
  createKeys,
  createRedis,
  dayExpiresAt,
  defineScripts,
  registerBoard,
  type VoteToApply,
  type VoteToAssess,
  waitForReady,
} from '@rallyboard/core/redis';
import { assessVote, DEFAULT_RISK_SETTINGS, networksOf } from '@rallyboard/core/risk';
import { startServices } from '../../services/index.js';
import { ROOT } from '../../services/paths.js';

const VOTES = Number(process.env.RISK_BENCH_VOTES ?? 60_000);
const CANDIDATES = Array.from({ length: 12 }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

/** A seeded stream (mulberry32), so both runs see the same votes. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function stream(start: number): VoteToAssess[] {
  const r = random(42);
  return Array.from({ length: VOTES }, (_, i) => {
    const voter = Math.floor(r() * 5_000);
    const ip = `10.${(voter % 1_500) >> 8}.${voter % 256}.${1 + (voter % 200)}`;
    const { net24, net16 } = networksOf(ip);
    return {
      voteId: `bench-risk-${i}-${randomUUID()}`,
      voterId: `p${voter}`,
      acceptedAt: start + i * 5,
      candidateId: CANDIDATES[Math.floor(r() ** 2 * CANDIDATES.length)] as string,
      ip,
      net24,
      net16,
      deviceId: `dev-${voter % 4_000}`,
      fingerprint: (voter % 300).toString(16).padStart(64, '0'),
      dwellMs: Math.floor(1_000 + r() * 9_000),
      wechatRiskRank: 0,
    };
  });
}

async function main() {
  const config = loadConfig();
  const services = await startServices(config);
  if (services.some((s) => !s.healthy)) throw new Error('Redis or FerretDB is not healthy');
  const keys = createKeys(`bench-risk-${randomUUID().slice(0, 8)}`);
  const redis = createRedis(config.redis.url, 'command', 'bench-risk');
  await waitForReady(redis);
  defineScripts(redis);
  const batch = config.worker.batchMax;
  const results: Record<string, unknown> = { votes: VOTES, batch, at: new Date().toISOString() };
  try {
    for (const mode of ['apply', 'riskApply'] as const) {
      const boardId = `b-${mode}`;
      await registerBoard(redis, keys, {
        boardId,
        title: boardId,
        kind: 'vote',
        timezone: 'Asia/Shanghai',
        dailyRetentionDays: 7,
        candidateIds: CANDIDATES,
      });
      const votes = stream(Date.now());
      const batchMs: number[] = [];
      const started = performance.now();
      let held = 0;
      for (let i = 0; i < votes.length; i += batch) {
        const chunk = votes.slice(i, i + batch);
        const t0 = performance.now();
        let modes: ('n' | 'h' | 'x')[] = chunk.map(() => 'n');
        if (mode === 'riskApply') {
          const features = await assessVotes(redis, keys, boardId, chunk, {
            ttlSeconds: 3_600,
            fastTapMs: DEFAULT_RISK_SETTINGS.rules.fastTap.threshold,
          });
          modes = chunk.map((v, n) => {
            const a = assessVote(
              features[n] as NonNullable<(typeof features)[number]>,
              v,
              DEFAULT_RISK_SETTINGS,
            );
            return a.verdict === 'accept' ? 'n' : a.verdict === 'review' ? 'h' : 'x';
          });
          held += modes.filter((m) => m !== 'n').length;
        }
        const toApply: VoteToApply[] = chunk.map((v, n) => ({
          voteId: v.voteId,
          candidateId: v.candidateId,
          action: 'vote',
          voterId: v.voterId,
          mode: modes[n],
          day: dayOf(v.acceptedAt, 'Asia/Shanghai'),
          dayExpiresAt: dayExpiresAt(v.acceptedAt, 7),
        }));
        await applyVotes(redis, keys, boardId, toApply, { dedupTtlSeconds: 3_600, origin: 'bench' });
        batchMs.push(performance.now() - t0);
      }
      const seconds = (performance.now() - started) / 1000;
      batchMs.sort((a, b) => a - b);
      const pct = (p: number) =>
        Math.round((batchMs[Math.min(batchMs.length - 1, Math.floor(p * batchMs.length))] ?? 0) * 100) / 100;
      results[mode] = {
        votesPerS: Math.round(VOTES / seconds),
        batchMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
        ...(mode === 'riskApply' ? { stopped: held } : {}),
      };
      console.log(
        `${mode.padEnd(10)} ${String(Math.round(VOTES / seconds)).padStart(7)} votes/s  batch of ${batch}: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, p99 ${pct(0.99)} ms`,
      );
    }
    const apply = results.apply as { votesPerS: number };
    const risk = results.riskApply as { votesPerS: number };
    results.riskShareOfBatch = Math.round((1 - risk.votesPerS / apply.votesPerS) * 1000) / 1000;
    console.log(
      `risk control takes ${(Number(results.riskShareOfBatch) * 100).toFixed(1)}% of a batch's Redis time`,
    );
    mkdirSync(`${ROOT}/bench-results`, { recursive: true });
    const file = `${ROOT}/bench-results/risk-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results: ${file}`);
  } finally {
    const stale = await redis.keys(`${keys.prefix}:*`);
    for (let i = 0; i < stale.length; i += 1_000) await redis.del(...stale.slice(i, i + 1_000));
    await closeRedis(redis);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
