// What a plan is made of: simulated accounts and their time-stamped, labelled actions.
import type { Device } from './network.js';
import type { Label } from './scenario.js';

/** A simulated WeChat user. `openid` is made unique per run when the plan is executed. */
export interface Account {
  id: string;
  label: Label;
  /** What the WeChat fake answers getUserRiskRank with: 0 (normal) … 4 (highest risk). */
  riskRank: 0 | 1 | 2 | 3 | 4;
}

interface Base {
  /** Offset from the start of the traffic, in ms. */
  at: number;
  account: string;
  label: Label;
  /** The client address, sent as X-Forwarded-For. */
  ip: string;
  device: Device;
}

/** Trade a fake wx.login() code for participant tokens. */
export interface LoginAction extends Base {
  kind: 'login';
}

/** Create the account's share link for a candidate (POST /api/campaigns/:id/share-tokens). */
export interface ShareAction extends Base {
  kind: 'share';
  candidateId: string;
}

export interface VoteAction extends Base {
  kind: 'vote';
  candidateId: string;
  dwellMs: number;
  /** The account whose share link brought this vote: its token goes in the body's `shareToken`. */
  sharedBy?: string;
  idempotencyKey: string;
}

export type Action = LoginAction | ShareAction | VoteAction;

/** Collects one generator's accounts and actions, numbering idempotency keys per account. */
export class Script {
  readonly accounts: Account[] = [];
  readonly actions: Action[] = [];
  #votes = new Map<string, number>();

  constructor(readonly label: Label) {}

  account(id: string, riskRank: Account['riskRank']): Account {
    const account: Account = { id, label: this.label, riskRank };
    this.accounts.push(account);
    return account;
  }

  login(at: number, account: Account, ip: string, device: Device): void {
    this.actions.push({
      kind: 'login',
      at: Math.max(0, Math.round(at)),
      account: account.id,
      label: this.label,
      ip,
      device,
    });
  }

  share(at: number, account: Account, candidateId: string, ip: string, device: Device): void {
    this.actions.push({
      kind: 'share',
      at: Math.max(0, Math.round(at)),
      account: account.id,
      label: this.label,
      ip,
      device,
      candidateId,
    });
  }

  vote(
    at: number,
    account: Account,
    v: { candidateId: string; ip: string; device: Device; dwellMs: number; sharedBy?: string | undefined },
  ): void {
    const n = (this.#votes.get(account.id) ?? 0) + 1;
    this.#votes.set(account.id, n);
    this.actions.push({
      kind: 'vote',
      at: Math.max(0, Math.round(at)),
      account: account.id,
      label: this.label,
      ip: v.ip,
      device: v.device,
      candidateId: v.candidateId,
      dwellMs: Math.max(0, Math.round(v.dwellMs)),
      ...(v.sharedBy === undefined ? {} : { sharedBy: v.sharedBy }),
      idempotencyKey: `sim-${account.id}-${n}`,
    });
  }
}

/** A risk rank drawn from weights for ranks 0, 1, 2, 3, 4. */
export function rankFrom(
  draw: number,
  weights: readonly [number, number, number, number, number],
): Account['riskRank'] {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = draw * total;
  for (const [rank, w] of weights.entries()) {
    r -= w;
    if (r < 0) return rank as Account['riskRank'];
  }
  return 4;
}
