import { describe, expect, it } from 'vitest';
import { type CatalogueCandidate, recommend } from '../../src/recommendations/rank.js';

const candidate = (
  campaignId: string,
  candidateId: string,
  tags: string[],
  popularity = 0,
): CatalogueCandidate => ({
  campaignId,
  campaignTitle: campaignId,
  candidateId,
  name: candidateId,
  tags,
  popularity,
});
const catalogue = {
  candidates: [
    candidate('c1', 'rock', ['摇滚', '音乐'], 50),
    candidate('c1', 'folk', ['民谣', '音乐'], 80),
    candidate('c2', 'lens', ['摄影'], 10),
    candidate('c2', 'film', ['摄影', '电影'], 5),
    candidate('c3', 'chef', [], 200),
  ],
  campaigns: [
    { campaignId: 'c1', title: 'c1', tags: ['音乐', '摇滚', '民谣'], popularity: 130 },
    { campaignId: 'c2', title: 'c2', tags: ['摄影', '电影'], popularity: 15 },
    { campaignId: 'c3', title: 'c3', tags: [], popularity: 200 },
  ],
};
const ids = (r: { candidates: { candidateId: string }[] }) => r.candidates.map((c) => c.candidateId);
const newcomer = { interests: new Map<string, number>(), touched: new Set<string>() };

describe('recommendations', () => {
  it('give a newcomer the popular candidates and campaigns, most counted votes first', () => {
    const r = recommend(newcomer, catalogue, 10);
    expect(ids(r)).toEqual(['chef', 'folk', 'rock', 'lens', 'film']);
    expect(r.candidates.every((c) => c.reason.kind === 'popular')).toBe(true);
    expect(r.campaigns.map((c) => c.campaignId)).toEqual(['c3', 'c1', 'c2']);
  });

  it('put first what carries the tags a participant likes, naming the tag that weighs most', () => {
    const taste = {
      interests: new Map([
        ['摄影', 0.7],
        ['音乐', 0.3],
      ]),
      touched: new Set<string>(),
    };
    const r = recommend(taste, catalogue, 10);
    expect(ids(r)).toEqual(['lens', 'film', 'folk', 'rock', 'chef']);
    expect(r.candidates[0]?.reason).toEqual({ kind: 'interest', tag: '摄影' });
    expect(r.candidates[4]?.reason).toEqual({ kind: 'popular' });
    expect(r.campaigns.map((c) => c.campaignId)).toEqual(['c2', 'c1', 'c3']);
    // Several liked tags add up: a candidate with two of them passes one with the stronger alone.
    const both = recommend(
      {
        ...taste,
        interests: new Map([
          ['摄影', 0.4],
          ['电影', 0.35],
          ['音乐', 0.25],
        ]),
      },
      catalogue,
      10,
    );
    expect(ids(both).slice(0, 2)).toEqual(['film', 'lens']);
  });

  it('leave out what the participant voted for or liked, and the campaigns they took part in', () => {
    const taste = { interests: new Map([['摄影', 1]]), touched: new Set(['c2 lens']) };
    const r = recommend(taste, catalogue, 2);
    expect(ids(r)).toEqual(['film', 'chef']);
    expect(r.campaigns.map((c) => c.campaignId)).toEqual(['c3', 'c1']);
  });
});
