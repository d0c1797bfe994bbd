import {
  type CampaignDoc,
  type DonationMatchDoc,
  type LedgerModel,
  type MatchModel,
  newMatchId,
  readLedgerState,
} from '@rallyboard/core/db';
import { AppError, type MatchInput, type MatchView, matchedFen, yuan } from '@rallyboard/core/protocol';
import type { AuditLog } from '../audit/log.js';
import { type BoardReadDeps, everyCandidate } from '../boards/queries.js';
import { type CandidateTextCheck, withChecks } from '../campaigns/text-check.js';
import type { HostPrincipal } from '../hosts/principal.js';

/** What donation matching needs. */
export interface MatchingDeps extends BoardReadDeps {
  matches: MatchModel;
  audit: AuditLog;
  /** WeChat's check of the text a host publishes (the sponsor and the cause). */
  checkTexts: CandidateTextCheck;
  now: () => number;
}

type Actor = { host: HostPrincipal; ip: string };
const OVER = new Set(['ended', 'archived']);

const termsOf = (m: DonationMatchDoc, candidateName: string | undefined) =>
  `${m.sponsor} 为${candidateName ? `「${candidateName}」的` : '本活动的'}每一票有效投票（或点赞）配捐 ${yuan(m.perVoteFen)}，` +
  `上限 ${yuan(m.capFen)}，用于${m.cause}。配捐金额按计入排名的票数计算，被判无效的票不计。`;

/**
 * Adds a sponsor's pledge: per counted vote (or like) of the campaign, or of one of its
 * candidates, up to a cap. Until the campaign ends; audited.
 */
export async function pledgeMatch(
  deps: MatchingDeps,
  actor: Actor,
  campaign: CampaignDoc,
  body: MatchInput,
): Promise<DonationMatchDoc> {
  if (OVER.has(campaign.status)) {
    throw new AppError('CAMPAIGN_NOT_EDITABLE', {
      message: 'Matching can be pledged until the campaign ends.',
    });
  }
  if (body.candidateId !== undefined && !campaign.members.some((m) => m.candidateId === body.candidateId)) {
    throw new AppError('INVALID_INPUT', {
      details: [{ path: 'body.candidateId', message: 'is not a candidate of the campaign' }],
    });
  }
  // The sponsor's name and the cause are published text: WeChat judges them as the host's.
  const checks = await deps.checkTexts(
    actor,
    [{ candidateId: '配捐', name: body.sponsor, description: body.cause }],
    [],
  );
  const match: DonationMatchDoc = {
    _id: newMatchId(),
    campaignId: campaign._id,
    sponsor: body.sponsor,
    cause: body.cause,
    perVoteFen: body.perVoteFen,
    capFen: body.capFen,
    ...(body.candidateId === undefined ? {} : { candidateId: body.candidateId }),
    createdAt: new Date(deps.now()),
    createdBy: actor.host.hostId,
  };
  await deps.matches.create(match);
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'matching.pledge',
    target: { type: 'campaign', id: campaign._id },
    campaignId: campaign._id,
    before: null,
    after: withChecks(
      { id: match._id, sponsor: match.sponsor, perVoteFen: match.perVoteFen, capFen: match.capFen },
      checks,
    ),
  });
  return match;
}

/** The public ranking's counted totals; none yet for a campaign whose board is not registered (a draft). */
async function countedNow(
  deps: MatchingDeps,
  campaign: Pick<CampaignDoc, '_id' | 'members'>,
): Promise<{ totals: { votes: number }; entries: { candidateId: string; score: number }[] }> {
  try {
    return await everyCandidate(deps, campaign);
  } catch (error) {
    if (error instanceof AppError && error.code === 'BOARD_NOT_FOUND')
      return { totals: { votes: 0 }, entries: [] };
    throw error;
  }
}

/**
 * The campaign's pledges and how far each is matched, from the public ranking's counted totals
 * (one read for all of them; frozen while the campaign is, as the ranking is).
 */
export async function matchViews(
  deps: MatchingDeps,
  campaign: Pick<CampaignDoc, '_id' | 'members'>,
): Promise<MatchView[]> {
  const matches = await deps.matches
    .find({ campaignId: campaign._id })
    .sort({ createdAt: 1 })
    .lean<DonationMatchDoc[]>();
  if (matches.length === 0) return [];
  const board = await countedNow(deps, campaign);
  const scores = new Map(board.entries.map((e) => [e.candidateId, e.score]));
  const names = new Map(campaign.members.map((m) => [m.candidateId, m.name]));
  return matches.map((m) => {
    const counted = m.candidateId === undefined ? board.totals.votes : (scores.get(m.candidateId) ?? 0);
    const matched = matchedFen(m, counted);
    const candidateName = m.candidateId === undefined ? undefined : names.get(m.candidateId);
    return {
      id: m._id,
      campaignId: m.campaignId,
      sponsor: m.sponsor,
      cause: m.cause,
      perVoteFen: m.perVoteFen,
      capFen: m.capFen,
      ...(m.candidateId === undefined ? {} : { candidateId: m.candidateId }),
      ...(candidateName === undefined ? {} : { candidateName }),
      counted,
      matchedFen: matched,
      capReached: matched >= m.capFen,
      terms: termsOf(m, candidateName),
      pledgedAt: new Date(m.createdAt).toISOString(),
    };
  });
}

/** One day of a pledge's audit: that day's counted votes and what they matched, and the running totals. */
export interface MatchDay {
  match: DonationMatchDoc;
  day: string;
  counted: number;
  total: number;
  matchedFen: number;
  totalFen: number;
}

/**
 * Each pledge's days from the ledger (the system of record): counted votes per day, as the
 * rankings count them (a void taken off as the rankings take it off); and the matching, capped
 * on the running total.
 */
export async function matchDays(
  ledger: LedgerModel,
  matches: readonly DonationMatchDoc[],
  campaignId: string,
) {
  if (matches.length === 0) return [];
  const state = await readLedgerState(ledger, campaignId);
  const days = [...state.days.keys()].sort();
  return matches.flatMap((match) => {
    let total = 0;
    let totalFen = 0;
    return days.map((day): MatchDay => {
      const tallies = state.days.get(day);
      const counted =
        match.candidateId === undefined
          ? (tallies?.total ?? 0)
          : (tallies?.members.get(match.candidateId)?.count ?? 0);
      total += counted;
      const nextFen = matchedFen(match, total);
      const row = { match, day, counted, total, matchedFen: nextFen - totalFen, totalFen: nextFen };
      totalFen = nextFen;
      return row;
    });
  });
}
