import { z } from 'zod';
import {
  type RecommendedCampaign,
  type RecommendedCandidate,
  recommendationsSchema,
} from '../protocol/recommendations.js';
import { authorized, hasSession } from './auth.js';

/**
 * 猜你喜欢: candidates and campaigns the participant has not voted for or liked yet, by what
 * their counted likes taught (or the popular ones, for a newcomer).
 */

/** How many of each the campaigns list shows. */
const CANDIDATES = 6;
const CAMPAIGNS = 3;

type Reason = RecommendedCandidate['reason'];

/** Why it is suggested, in the participant's words: the tag they like, or that many do. */
const reasonText = (reason: Reason): string =>
  reason.kind === 'interest' && reason.tag ? `因为你喜欢「${reason.tag}」` : '热门';

/** A suggested candidate as the list shows it, with the page it opens. */
export interface CandidatePick {
  key: string;
  name: string;
  campaignTitle: string;
  imageUrl: string;
  reason: string;
  url: string;
}

/** A suggested campaign as the list shows it, with the page it opens. */
export interface CampaignPick {
  key: string;
  title: string;
  coverImageUrl: string;
  reason: string;
  url: string;
}

const candidatePick = (c: RecommendedCandidate): CandidatePick => ({
  key: `${c.campaignId} ${c.candidateId}`,
  name: c.name,
  campaignTitle: c.campaignTitle,
  imageUrl: c.imageUrl ?? '',
  reason: reasonText(c.reason),
  url: `/pages/candidate/index?campaignId=${encodeURIComponent(c.campaignId)}&candidateId=${encodeURIComponent(c.candidateId)}`,
});

const campaignPick = (c: RecommendedCampaign): CampaignPick => ({
  key: c.campaignId,
  title: c.title,
  coverImageUrl: c.coverImageUrl ?? '',
  reason: reasonText(c.reason),
  url: `/pages/campaign/index?campaignId=${encodeURIComponent(c.campaignId)}`,
});

/**
 * My suggestions, best first: up to six candidates and three campaigns. None when no one is
 * signed in on this phone yet.
 */
export async function myPicks(): Promise<{
  candidates: CandidatePick[];
  campaigns: CampaignPick[];
  personalized: boolean;
}> {
  if (!hasSession()) return { candidates: [], campaigns: [], personalized: true };
  const answer = await authorized(
    { method: 'GET', path: '/api/me/recommendations', query: { limit: CANDIDATES } },
    recommendationsSchema,
  );
  return {
    personalized: answer.personalized,
    candidates: answer.candidates.slice(0, CANDIDATES).map(candidatePick),
    campaigns: answer.campaigns.slice(0, CAMPAIGNS).map(campaignPick),
  };
}

/** Turns personalised suggestions on or off (off: what my likes taught is forgotten, popular ones only). */
export const setPersonalized = (personalized: boolean) =>
  authorized({ method: 'PUT', path: '/api/me/recommendation-settings', body: { personalized } }, z.unknown());
