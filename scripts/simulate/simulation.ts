// One simulation against a local instance: a host and a live campaign through the host API,
// the plan's traffic through the public API, then every vote's fate from the ledger.
import { randomBytes } from 'node:crypto';
import { createHost, hostModel } from '@rallyboard/core/db';
import { hashPassword } from '@rallyboard/server/auth';
import type { Connection } from 'mongoose';
import { RallyboardClient, WeChatFakeControl } from './client.js';
import { readHolds } from './hold-latency.js';
import { settle, type VoteOutcome } from './outcomes.js';
import type { Plan } from './plan.js';
import { computeFigures, type Figures } from './report.js';
import { type RunResult, runPlan } from './run.js';
import { localHttpUrl } from './target.js';

export interface SimulationTarget {
  baseUrl: string;
  wechatUrl: string;
  /** A connection to the instance's database: the host is made there, the ledger read there. */
  mongo: Connection;
}

export interface SimulationResult {
  runId: string;
  campaignId: string;
  run: RunResult;
  outcomes: VoteOutcome[];
  figures: Figures;
  /** Time spent waiting for the accepted votes to be decided, ms. */
  settleMs: number;
}

export interface SimulationOptions {
  log?: (line: string) => void;
  /** @default 30_000 */
  settleIdleTimeoutMs?: number;
  maxInFlight?: number;
}

/**
 * A host account of the run's own, made in the instance's database (as `npm run create-admin`
 * does), signed in through the API.
 */
async function hostToken(client: RallyboardClient, mongo: Connection, runId: string): Promise<string> {
  const username = `sim-${runId}`;
  const password = randomBytes(24).toString('base64url');
  await createHost(hostModel(mongo), { username, passwordHash: await hashPassword(password), role: 'host' });
  return client.hostLogin(username, password);
}

export async function simulate(
  plan: Plan,
  target: SimulationTarget,
  options: SimulationOptions = {},
): Promise<SimulationResult> {
  const log = options.log ?? (() => {});
  const baseUrl = localHttpUrl(target.baseUrl, 'base URL').origin;
  const wechatUrl = localHttpUrl(target.wechatUrl, 'WeChat fake URL').origin;
  const runId = randomBytes(4).toString('hex');
  const client = new RallyboardClient(baseUrl);
  const fake = new WeChatFakeControl(wechatUrl);

  const token = await hostToken(client, target.mongo, runId);
  const hostOpenid = `sim-host-${runId}`;
  await client.bindWeChat(token, await fake.issueCode(hostOpenid));
  const campaignId = await client.liveCampaign(token, {
    title: `刷票模拟 ${plan.scenario} seed ${plan.seed} (${runId})`,
    candidates: plan.candidates,
    votesPerUserPerDay: plan.dailyQuota,
  });
  log(
    `campaign ${campaignId} is live (${plan.candidates.length} candidates, ${plan.dailyQuota} votes a day each)`,
  );

  const run = await runPlan(
    plan,
    { client, fake, campaignId, runId },
    { onProgress: log, ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }) },
  );
  log(
    `traffic done in ${(run.wallMs / 1000).toFixed(1)} s (plan ${(plan.durationMs / 1000).toFixed(0)} s); ` +
      `send lag p95 ${run.lagMs.p95} ms, max ${run.lagMs.max} ms`,
  );
  const settleStart = Date.now();
  const outcomes = await settle(target.mongo, campaignId, run.votes, {
    idleTimeoutMs: options.settleIdleTimeoutMs ?? 30_000,
    onProgress: (line) => log(line),
  });
  const holds = await readHolds(target.mongo, campaignId, run.votes);
  return {
    runId,
    campaignId,
    run,
    outcomes,
    figures: computeFigures(outcomes, holds),
    settleMs: Date.now() - settleStart,
  };
}
