import type { RecommendedCampaign, RecommendedCandidate } from '@rallyboard/core/protocol';

/** A candidate that may be recommended: its tags are its own and its campaign's. */
export interface CatalogueCandidate {
  campaignId: string;
  campaignTitle: string;
  candidateId: string;
  name: string;
  imageUrl?: string | undefined;
  tags: readonly string[];
  /** Its counted votes (likes) on the public ranking. */
  popularity: number;
}

/** A campaign that may be recommended: its tags are its own and its candidates'. */
export interface CatalogueCampaign {
  campaignId: string;
  title: string;
  coverImageUrl?: string | undefined;
  tags: readonly string[];
  popularity: number;
}

/** What the participant's likes taught: each tag's share of their decayed interest (0–1), and what they touched. */
export interface Taste {
  interests: ReadonlyMap<string, number>;
  /** `<campaignId> <candidateId>` with a counted vote or like of theirs. */
  touched: ReadonlySet<string>;
}

/** How much a thing's tags weigh for this taste, and the tag that weighs most. */
function affinity(tags: readonly string[], interests: ReadonlyMap<string, number>) {
  let score = 0;
  let top: { tag: string; weight: number } | undefined;
  for (const tag of new Set(tags)) {
    const weight = interests.get(tag) ?? 0;
    score += weight;
    if (weight > 0 && (!top || weight > top.weight)) top = { tag, weight };
  }
  return { score, top: top?.tag };
}

/** Orders by affinity, then popularity, then id: the same inputs always give the same order. */
function ranked<T extends { popularity: number; id: string }>(
  items: readonly T[],
  interests: ReadonlyMap<string, number>,
  tagsOf: (item: T) => readonly string[],
) {
  return items
    .map((item) => ({ item, ...affinity(tagsOf(item), interests) }))
    .sort(
      (a, b) =>
        b.score - a.score || b.item.popularity - a.item.popularity || (a.item.id < b.item.id ? -1 : 1),
    );
}

const reasonOf = (top: string | undefined) =>
  top === undefined ? { kind: 'popular' as const } : { kind: 'interest' as const, tag: top };

/**
 * 猜你喜欢: the candidates the participant has not voted for or liked, ordered by how much their
 * tags weigh in the participant's interests, then by counted votes; a newcomer (no interests)
 * gets the popular ones. Campaigns the same way, those the participant has touched left out.
 */
export function recommend(
  taste: Taste,
  catalogue: { candidates: readonly CatalogueCandidate[]; campaigns: readonly CatalogueCampaign[] },
  limit: number,
): { candidates: RecommendedCandidate[]; campaigns: RecommendedCampaign[] } {
  const touchedCampaigns = new Set([...taste.touched].map((t) => t.split(' ')[0]));
  const candidates = ranked(
    catalogue.candidates
      .filter((c) => !taste.touched.has(`${c.campaignId} ${c.candidateId}`))
      .map((c) => ({ ...c, id: `${c.campaignId} ${c.candidateId}` })),
    taste.interests,
    (c) => c.tags,
  )
    .slice(0, limit)
    .map(({ item: c, top }) => ({
      campaignId: c.campaignId,
      campaignTitle: c.campaignTitle,
      candidateId: c.candidateId,
      name: c.name,
      ...(c.imageUrl === undefined ? {} : { imageUrl: c.imageUrl }),
      tags: [...c.tags],
      reason: reasonOf(top),
    }));
  const campaigns = ranked(
    catalogue.campaigns
      .filter((c) => !touchedCampaigns.has(c.campaignId))
      .map((c) => ({ ...c, id: c.campaignId })),
    taste.interests,
    (c) => c.tags,
  )
    .slice(0, limit)
    .map(({ item: c, top }) => ({
      campaignId: c.campaignId,
      title: c.title,
      ...(c.coverImageUrl === undefined ? {} : { coverImageUrl: c.coverImageUrl }),
      tags: [...c.tags],
      reason: reasonOf(top),
    }));
  return { candidates, campaigns };
}
