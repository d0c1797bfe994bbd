import { findHostWeChat } from '@rallyboard/core/db';
import { AppError, type CampaignMember } from '@rallyboard/core/protocol';
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
 * Checks, as the actor's, the text of each of `members` that `current` (the candidates as they
 * are) does not hold already, and answers WeChat's verdicts. `memo` keeps verdicts between calls
 * of one request, so a check before the campaign's lock is not asked again under it.
 *
 * Throws, and nothing may be saved: CONTENT_RISKY (WeChat refused the text), CONTENT_NEEDS_REVIEW
 * (WeChat asks for a person; an admin is that person, so only a host is refused),
 * HOST_WECHAT_UNBOUND (no WeChat bound, or one WeChat does not know for this app),
 * HOST_WECHAT_STALE (the bound user has not opened the mini-program in two hours), or WeChat's
 * own errors (WECHAT_UNAVAILABLE, WECHAT_RATE_LIMITED: try again).
 */
export type CandidateTextCheck = (
  actor: { host: Pick<HostPrincipal, 'hostId' | 'role'> },
  members: readonly CampaignMember[],
  current: readonly CampaignMember[],
  memo?: Map<string, TextVerdict>,
) => Promise<TextVerdict[]>;

export interface CandidateTextCheckDeps {
  mongo: Connection;
  wechat: Pick<WeChatApi, 'msgSecCheck'>;
  config: { wechat: { appId?: string | undefined } };
}

/** msgSecCheck's scene: 1 资料, a profile, which is what a candidate's name and description are. */
const SCENE = 1;
/** How many candidates' texts are asked about at once (WeChat allows 4,000 calls a minute). */
const AT_ONCE = 8;

/** What is checked of a candidate: everything of it that people read. */
const textOf = (m: CampaignMember): string => [m.name, m.group ?? '', m.description ?? ''].join('\n');

/**
 * The content check of the candidate names, groups and descriptions hosts enter, where WeChat is
 * configured. Without an AppID there is no mini-program and no WeChat to ask: nothing is checked.
 */
export function createCandidateTextCheck(deps: CandidateTextCheckDeps): CandidateTextCheck {
  return async (actor, members, current, memo = new Map()) => {
    if (deps.config.wechat.appId === undefined) return [];
    const known = new Map(current.map((m) => [m.candidateId, textOf(m)]));
    const asked = members.filter((m) => known.get(m.candidateId) !== textOf(m));
    if (asked.length === 0) return [];
    const bound = await whenAvailable(() => findHostWeChat(deps.mongo, actor.host.hostId));
    if (!bound) throw new AppError('HOST_WECHAT_UNBOUND');
    const verdicts: TextVerdict[] = [];
    const refused: { candidateId: string; suggest: string; label: number }[] = [];
    const ask = async (member: CampaignMember): Promise<void> => {
      const key = `${member.candidateId}\n${textOf(member)}`;
      const seen = memo.get(key);
      if (seen) {
        verdicts.push(seen);
        return;
      }
      const content = [member.group, member.description]
        .filter((t) => t !== undefined && t !== '')
        .join('\n');
      try {
        const answer = await deps.wechat.msgSecCheck({
          openid: bound.openid,
          scene: SCENE,
          content: content === '' ? member.name : content,
          title: member.name,
        });
        const verdict = { candidateId: member.candidateId, label: answer.label, traceId: answer.traceId };
        if (answer.suggest === 'risky' || (answer.suggest === 'review' && actor.host.role !== 'admin')) {
          refused.push({ candidateId: member.candidateId, suggest: answer.suggest, label: answer.label });
          return;
        }
        const kept: TextVerdict = { ...verdict, suggest: answer.suggest };
        memo.set(key, kept);
        verdicts.push(kept);
      } catch (error) {
        throw translated(error);
      }
    };
    for (let i = 0; i < asked.length; i += AT_ONCE) {
      await Promise.all(asked.slice(i, i + AT_ONCE).map(ask));
    }
    if (refused.length > 0) {
      const risky = refused.some((r) => r.suggest === 'risky');
      throw new AppError(risky ? 'CONTENT_RISKY' : 'CONTENT_NEEDS_REVIEW', {
        details: { candidates: refused },
      });
    }
    return verdicts;
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

/** An audit entry's `after`, with the verdicts of the text it saved (when any was checked). */
export function withChecks(after: unknown, checks: readonly TextVerdict[]): unknown {
  if (checks.length === 0 || after === null || typeof after !== 'object') return after;
  return { ...after, contentChecks: checks };
}
