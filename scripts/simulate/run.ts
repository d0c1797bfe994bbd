// Executes a plan in real time against an instance: each action at its offset from the start.
// An account's actions run one after another (a login finishes before its votes), and a vote
// that came through a share link waits for that link to exist.
import type { Action, LoginAction, ShareAction, VoteAction } from './actions.js';
import type { RallyboardClient, WeChatFakeControl } from './client.js';
import type { Plan } from './plan.js';
import type { Label } from './scenario.js';

/** What ingest said to one planned vote (or why it was never sent). */
export type Submission =
  | { kind: 'accepted'; voteId: string }
  | { kind: 'refused'; stage: 'login' | 'vote'; status: number; code: string };

export interface VoteRecord {
  label: Label;
  account: string;
  candidateId: string;
  at: number;
  submission: Submission;
}

export interface RunResult {
  startedAt: string;
  /** From the start until the last answer, ms. */
  wallMs: number;
  votes: VoteRecord[];
  logins: { ok: number; refused: Record<string, number> };
  shares: { ok: number; refused: Record<string, number> };
  /** How late votes were sent against the plan, ms: the timing is only as good as these. */
  lagMs: { p50: number; p95: number; max: number };
}

export interface RunTarget {
  client: RallyboardClient;
  fake: WeChatFakeControl;
  campaignId: string;
  /** Makes openids unique per run, so a plan can run twice against the same fake. */
  runId: string;
}

export interface RunOptions {
  /** Requests in flight at most; later ones wait (and show up as lag). @default 256 */
  maxInFlight?: number;
  /** Called every `progressEveryMs` of plan time with a line to print. */
  onProgress?: (line: string) => void;
  /** @default 10_000 */
  progressEveryMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A counting semaphore: at most `limit` tasks at once. */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** What a run has learnt so far: the accounts' tokens, share links and failures, and every answer. */
interface RunState {
  /** When plan time 0 is, epoch ms. */
  start: number;
  tokens: Map<string, string>;
  loginFailures: Map<string, { status: number; code: string }>;
  shareTokens: Map<string, Promise<string | undefined>>;
  votes: VoteRecord[];
  lags: number[];
  logins: RunResult['logins'];
  shares: RunResult['shares'];
}

/** Runs one action against the instance and records what it answered in `state`. */
function executor(plan: Plan, target: RunTarget, options: RunOptions, state: RunState) {
  const { client, fake, campaignId, runId } = target;
  const { tokens, loginFailures, shareTokens, votes, lags, logins, shares, start } = state;
  const limit = limiter(options.maxInFlight ?? 256);
  const ranks = new Map(plan.accounts.map((a) => [a.id, a.riskRank]));

  const login = async (a: LoginAction) => {
    const openid = `sim-${runId}-${a.account}`;
    const rank = ranks.get(a.account) ?? 0;
    if (rank !== 0) await fake.setRiskRank(openid, rank);
    const code = await fake.issueCode(openid);
    const answer = await limit(() => client.login(a, code));
    if (answer.ok) {
      tokens.set(a.account, answer.value.token);
      logins.ok++;
    } else {
      loginFailures.set(a.account, { status: answer.status, code: answer.code });
      bump(logins.refused, answer.code);
    }
  };

  const share = async (a: ShareAction): Promise<string | undefined> => {
    const token = tokens.get(a.account);
    if (token === undefined) {
      bump(shares.refused, 'NOT_SIGNED_IN');
      return undefined;
    }
    const answer = await limit(() => client.share(a, token, campaignId));
    if (!answer.ok) {
      bump(shares.refused, answer.code);
      return undefined;
    }
    shares.ok++;
    return answer.value.shareToken;
  };

  const vote = async (a: VoteAction) => {
    const record = (submission: Submission) =>
      votes.push({ label: a.label, account: a.account, candidateId: a.candidateId, at: a.at, submission });
    const token = tokens.get(a.account);
    if (token === undefined) {
      const failure = loginFailures.get(a.account) ?? { status: 0, code: 'NOT_SIGNED_IN' };
      record({ kind: 'refused', stage: 'login', ...failure });
      return;
    }
    const shareToken = a.sharedBy === undefined ? undefined : await shareTokens.get(a.sharedBy);
    let answer = await limit(() => {
      lags.push(Date.now() - (start + a.at));
      return client.vote(a, token, campaignId, shareToken);
    });
    // No answer at all: retry once with the same Idempotency-Key, which can never count twice.
    if (!answer.ok && answer.status === 0) {
      await sleep(500);
      answer = await limit(() => client.vote(a, token, campaignId, shareToken));
    }
    record(
      answer.ok
        ? { kind: 'accepted', voteId: answer.value.voteId }
        : { kind: 'refused', stage: 'vote', status: answer.status, code: answer.code },
    );
  };

  return (action: Action): Promise<unknown> => {
    switch (action.kind) {
      case 'login':
        return login(action);
      case 'share':
        return share(action);
      case 'vote':
        return vote(action);
    }
  };
}

/** An action that threw (not one the instance refused): recorded so the run goes on. */
function recordCrash(state: RunState, action: Action, error: unknown, options: RunOptions): void {
  if (action.kind === 'login') {
    state.loginFailures.set(action.account, { status: 0, code: 'LOGIN_FAILED' });
    bump(state.logins.refused, 'LOGIN_FAILED');
    options.onProgress?.(`! login of ${action.account} failed: ${String(error)}`);
  }
  if (action.kind === 'vote') {
    state.votes.push({
      label: action.label,
      account: action.account,
      candidateId: action.candidateId,
      at: action.at,
      submission: { kind: 'refused', stage: 'vote', status: 0, code: `CLIENT_ERROR: ${String(error)}` },
    });
  }
}

export async function runPlan(plan: Plan, target: RunTarget, options: RunOptions = {}): Promise<RunResult> {
  const start = Date.now() + 500;
  const state: RunState = {
    start,
    tokens: new Map(),
    loginFailures: new Map(),
    shareTokens: new Map(),
    votes: [],
    lags: [],
    logins: { ok: 0, refused: {} },
    shares: { ok: 0, refused: {} },
  };
  const execute = executor(plan, target, options, state);
  const chains = new Map<string, Promise<unknown>>();
  const { votes, logins } = state;

  let nextProgress = options.progressEveryMs ?? 10_000;
  for (const action of plan.actions) {
    while (action.at >= nextProgress) {
      await sleep(start + nextProgress - Date.now());
      const accepted = votes.filter((v) => v.submission.kind === 'accepted').length;
      options.onProgress?.(
        `t=${(nextProgress / 1000).toFixed(0)} s: ${votes.length} votes answered (${accepted} accepted), ${logins.ok} logins`,
      );
      nextProgress += options.progressEveryMs ?? 10_000;
    }
    await sleep(start + action.at - Date.now());
    const previous = chains.get(action.account) ?? Promise.resolve();
    // A failure of one action must not stop the account's next ones, nor the run.
    const done = previous
      .then(() => execute(action))
      .catch((error: unknown) => {
        recordCrash(state, action, error, options);
        return undefined;
      });
    chains.set(action.account, done);
    if (action.kind === 'share') state.shareTokens.set(action.account, done as Promise<string | undefined>);
  }
  await Promise.all(chains.values());
  const sorted = [...state.lags].sort((a, b) => a - b);
  return {
    startedAt: new Date(start).toISOString(),
    wallMs: Date.now() - start,
    votes,
    logins,
    shares: state.shares,
    lagMs: { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? 0 },
  };
}
