import { createHash } from 'node:crypto';
import { findHostWeChat } from '@rallyboard/core/db';
import { AppError, type CampaignMember } from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { type WeChatApi, WeChatError } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import type { HostPrincipal } from '../hosts/principal.js';
import { whenAvailable } from '../lib/when-available.js';

/** What WeChat said of one candidate's text: kept in the audit entry of the change that saved it. */
export interface TextVerdict {
  candidateId: string;
  suggest: 'pass' | 'review';
  label: number;
  traceId: string;
}

/**
 * Checks, as the actor's, the new text of each of `members` (what `current`, the candidates as
 * they are, does not hold already) and answers WeChat's verdicts.
 *
 * Throws, and nothing may be saved: CONTENT_RISKY (WeChat refused the text), CONTENT_NEEDS_REVIEW
 * (WeChat asks for a person; an admin is that person, so only a host is refused),
 * HOST_WECHAT_UNBOUND (no WeChat bound, or one WeChat does not know for this app),
 * HOST_WECHAT_STALE (the bound user has not opened the mini-program in two hours), or WeChat's
 * own errors (WECHAT_UNAVAILABLE, WECHAT_RATE_LIMITED: try again).
 *
 * `cachedOnly` (under a campaign's lock, which must not wait on WeChat): text WeChat has not
 * judged already throws TextChangedMeanwhile, and the caller starts again (withCheckedText).
 */
export type CandidateTextCheck = (
  actor: { host: Pick<HostPrincipal, 'hostId' | 'role'> },
  members: readonly CampaignMember[],
  current: readonly CampaignMember[],
  options?: { cachedOnly?: boolean },
) => Promise<TextVerdict[]>;

/** Text changed between the check before a campaign's lock and the write under it. */
class TextChangedMeanwhile extends Error {}

/**
 * Runs a change whose candidate text is checked before the campaign's lock and again, from the
 * verdicts kept then, under it: if the text changed in between, the change starts over (twice at
 * most; then SERVICE_UNAVAILABLE, try again).
 */
export async function withCheckedText<T>(change: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await change();
    } catch (error) {
      if (!(error instanceof TextChangedMeanwhile)) throw error;
      if (attempt >= 2)
        throw new AppError('SERVICE_UNAVAILABLE', { message: 'The candidates kept changing. Try again.' });
    }
  }
}

export interface CandidateTextCheckDeps {
  mongo: Connection;
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'hosts'>;
  wechat: Pick<WeChatApi, 'msgSecCheck'>;
  config: { wechat: { appId?: string | undefined } };
}

/** msgSecCheck's scene: 1 资料, a profile, which is what a candidate's name and description are. */
const SCENE = 1;
/** How many candidates' texts are asked about at once (WeChat allows 4,000 calls a minute). */
const AT_ONCE = 8;
/** How long a verdict is kept: a save retried (or the same text saved again) is not asked twice. */
const VERDICT_TTL_SECONDS = 86_400;

type Verdict = { suggest: 'pass' | 'review' | 'risky'; label: number; traceId: string };

/**
 * The text of a candidate WeChat must judge: its name, group, description and tags where they are new
 * and not empty (removing text needs no check). Undefined when nothing new is to be shown.
 */
function newText(member: CampaignMember, before: CampaignMember | undefined): string[] | undefined {
  const textOf = (m: CampaignMember) => [
    m.name,
    m.group ?? '',
    m.description ?? '',
    (m.tags ?? []).join(' '),
  ];
  const fields = textOf(member);
  const old = before ? textOf(before) : ['', '', '', ''];
  return fields.some((f, i) => f !== '' && f !== old[i]) ? fields : undefined;
}

/**
 * The content check of the candidate names, groups and descriptions hosts enter, where WeChat is
 * configured. Without an AppID there is no mini-program and no WeChat to ask: nothing is checked.
 */
export function createCandidateTextCheck(deps: CandidateTextCheckDeps): CandidateTextCheck {
  return async (actor, members, current, options = {}) => {
    if (deps.config.wechat.appId === undefined) return [];
    const before = new Map(current.map((m) => [m.candidateId, m]));
    const asked = members.flatMap((m) => {
      const fields = newText(m, before.get(m.candidateId));
      return fields ? [{ member: m, fields }] : [];
    });
    if (asked.length === 0) return [];
    const bound = await whenAvailable(() => findHostWeChat(deps.mongo, actor.host.hostId));
    if (!bound) throw new AppError('HOST_WECHAT_UNBOUND');
    const ask = async ({
      member,
      fields,
    }: {
      member: CampaignMember;
      fields: string[];
    }): Promise<Verdict & { candidateId: string }> => {
      const key = deps.keys.hosts.textVerdict(
        createHash('sha256')
          .update(JSON.stringify([bound.openid, ...fields]))
          .digest('base64url'),
      );
      const kept = await deps.redis.get(key);
      let verdict: Verdict;
      if (kept !== null) verdict = JSON.parse(kept) as Verdict;
      else if (options.cachedOnly) throw new TextChangedMeanwhile();
      else {
        const [, group, description, tags] = fields;
        const content = [group, description, tags].filter((t) => t !== '' && t !== undefined).join('\n');
        const answer = await deps.wechat
          .msgSecCheck({
            openid: bound.openid,
            scene: SCENE,
            content: content || member.name,
            title: member.name,
          })
          .catch((error: unknown) => Promise.reject(translated(error)));
        verdict = { suggest: answer.suggest, label: answer.label, traceId: answer.traceId };
        await deps.redis.set(key, JSON.stringify(verdict), 'EX', VERDICT_TTL_SECONDS);
      }
      return { candidateId: member.candidateId, ...verdict };
    };
    // In the members' order, whichever answer comes back first: the audit entry reads the same.
    const verdicts: (Verdict & { candidateId: string })[] = [];
    for (let i = 0; i < asked.length; i += AT_ONCE) {
      verdicts.push(...(await Promise.all(asked.slice(i, i + AT_ONCE).map(ask))));
    }
    const refused = verdicts
      .filter((v) => v.suggest === 'risky' || (v.suggest === 'review' && actor.host.role !== 'admin'))
      .map(({ candidateId, suggest, label }) => ({ candidateId, suggest, label }));
    if (refused.length > 0) {
      const risky = refused.some((r) => r.suggest === 'risky');
      throw new AppError(risky ? 'CONTENT_RISKY' : 'CONTENT_NEEDS_REVIEW', {
        details: { candidates: refused },
      });
    }
    return verdicts.map(({ candidateId, suggest, label, traceId }) => ({
      candidateId,
      suggest: suggest as TextVerdict['suggest'],
      label,
      traceId,
    }));
  };
}

/** WeChat's refusals that are about the bound user, as what the host can do about them. */
function translated(error: unknown): unknown {
  if (!(error instanceof WeChatError)) return error;
  if (error.errcode === 61010) return new AppError('HOST_WECHAT_STALE', { cause: error });
  // An openid WeChat does not know for this app (bound under another AppID): bind again.
  if (error.errcode === 40003 || error.errcode === 43104) {
    return new AppError('HOST_WECHAT_UNBOUND', { cause: error });
  }
  return error;
}

/** Where a campaign's own tags go in a check: as the text of one more "candidate", so named. */
const CAMPAIGN_TAGS = '活动标签';

/** The candidates' text, and the campaign's tags as one more entry when it has any. */
export function withTagsText(
  members: readonly CampaignMember[],
  tags: readonly string[] | undefined,
): CampaignMember[] {
  return tags?.length ? [...members, { candidateId: CAMPAIGN_TAGS, name: tags.join(' ') }] : [...members];
}

/** An audit entry's `after`, with the verdicts of the text it saved (when any was checked). */
export function withChecks(after: unknown, checks: readonly TextVerdict[]): unknown {
  if (checks.length === 0 || after === null || typeof after !== 'object') return after;
  return { ...after, contentChecks: checks };
}
