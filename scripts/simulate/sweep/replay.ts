// One plan, replayed in virtual time through what decides a vote's fate in production: the
// ingest's gates (gates.ts), the measurement script (assessVotes-5+.lua on the real Redis, each
// vote at its own acceptance time) and the campaign's rules (assessVote), then the cluster holds
// its verdicts queue (holds.ts). No HTTP, no queue, no MongoDB: those move votes, they do not
// judge them, and the live simulator (run.ts) covers them. A day of traffic replays in seconds.

import type { RiskSettings } from '@rallyboard/core/protocol';
import { assessVotes, type KeyBuilder, type RedisClient, type VoteToAssess } from '@rallyboard/core/redis';
import { assessVote, networksOf } from '@rallyboard/core/risk';
import type { Action, VoteAction } from '../actions.js';
import type { Plan } from '../plan.js';
import type { VoteFate } from './fates.js';
import { type GateLimits, Gates } from './gates.js';
import { ClusterHolds, type CountedVote } from './holds.js';

export interface ReplayOptions {
  redis: RedisClient;
  keys: KeyBuilder;
  settings: RiskSettings;
  limits: GateLimits;
  /** Votes measured in one script call, as a worker batch. */
  batch: number;
  /** How long after a revealing verdict its cluster's earlier votes are held. */
  holdDelayMs: number;
}

/** The virtual start of every replay: a fixed instant, so a replay is a pure function of its plan. */
const EPOCH = Date.UTC(2026, 0, 5, 0, 0, 0);

interface Pending {
  index: number;
  vote: VoteAction;
  subject: VoteToAssess;
}

/**
 * Replays a plan on a board of its own (`boardId`, whose keys the caller deletes) and answers
 * each planned vote's fate, in plan order.
 */
export async function replayPlan(plan: Plan, boardId: string, o: ReplayOptions): Promise<VoteFate[]> {
  const ranks = new Map(plan.accounts.map((a) => [a.id, a.riskRank]));
  const gates = new Gates(o.limits, plan.dailyQuota);
  const refusedLogin = new Set<string>();
  const signedIn = new Set<string>();
  const fates: VoteFate[] = [];
  const holds = new ClusterHolds(o.settings, o.holdDelayMs);
  let pending: Pending[] = [];

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const features = await assessVotes(
      o.redis,
      o.keys,
      boardId,
      batch.map((p) => p.subject),
      { ttlSeconds: 3_600, fastTapMs: o.settings.rules.fastTap.threshold },
    );
    for (const [i, p] of batch.entries()) {
      const measured = features[i];
      if (!measured) throw new Error('assessVotes answered fewer votes than asked');
      const assessment = assessVote(measured, p.subject, o.settings);
      const fate = fates[p.index] as VoteFate;
      const at = p.subject.acceptedAt;
      holds.runDue(at, fates);
      fate.score = assessment.score;
      fate.rules = assessment.reasons.map((r) => r.rule);
      if (assessment.verdict === 'accept') {
        const counted: CountedVote = { index: p.index, at, features: measured, subject: p.subject };
        holds.counted(counted);
        continue;
      }
      fate.fate = assessment.verdict === 'review' ? 'held' : 'rejected';
      for (const cluster of assessment.holdClusters) holds.reveal(cluster, at);
    }
  }

  const actions: readonly Action[] = plan.actions;
  for (const action of actions) {
    const t = EPOCH + action.at;
    if (action.kind === 'login') {
      if (signedIn.has(action.account)) continue;
      const gate = gates.login(t, action.ip, action.device.id);
      if (gate.ok) signedIn.add(action.account);
      else refusedLogin.add(action.account);
      continue;
    }
    if (action.kind === 'share') continue;
    const index = fates.length;
    const fate: VoteFate = {
      label: action.label,
      account: action.account,
      candidateId: action.candidateId,
      fate: 'counted',
      rules: [],
    };
    fates.push(fate);
    if (!signedIn.has(action.account)) {
      fate.fate = 'refused';
      fate.code = refusedLogin.has(action.account) ? 'RATE_LIMITED' : 'NOT_SIGNED_IN';
      continue;
    }
    const gate = gates.vote(t, action.account, action.ip, action.device.id);
    if (!gate.ok) {
      fate.fate = gate.code === 'QUOTA_EXCEEDED' ? 'quota' : 'refused';
      fate.code = gate.code;
      continue;
    }
    const networks = networksOf(action.ip);
    const rank = ranks.get(action.account);
    pending.push({
      index,
      vote: action,
      subject: {
        voteId: `${boardId}-${index}`,
        voterId: action.account,
        acceptedAt: t,
        candidateId: action.candidateId,
        ip: networks.ip,
        net24: networks.net24,
        net16: networks.net16,
        deviceId: action.device.id,
        fingerprint: action.device.fingerprint,
        // The share link's owner is the inviter; the server resolves the token to them.
        inviterId: action.sharedBy,
        dwellMs: action.dwellMs,
        wechatRiskRank: rank,
      },
    });
    if (pending.length >= o.batch) await flush();
  }
  await flush();
  holds.runDue(Number.POSITIVE_INFINITY, fates);
  return fates;
}
