/** The interests part of the key builder (keys.ts): what likes teach the recommendations. */
export interface InterestKeys {
  /** Hash: a campaign's tags, `''` → the campaign's own, `<candidateId>` → its candidate's; comma-joined. */
  tags(campaignId: string): string;
  /** Sorted set: a participant's interest weight per tag, decayed (interests.ts). */
  of(participantId: string): string;
  /** Set: `<campaignId> <candidateId>` the participant has a counted vote or like for. */
  touched(participantId: string): string;
  /** String: present while the participant has turned personalised recommendations off. */
  off(participantId: string): string;
}

export const interestKeys = (prefix: string): InterestKeys => ({
  tags: (campaignId) => `${prefix}:interests:tags:${campaignId}`,
  // A participant's two keys share a slot (the hash tag), so one pipeline writes both on a cluster.
  of: (participantId) => `${prefix}:interests:{${participantId}}:of`,
  touched: (participantId) => `${prefix}:interests:{${participantId}}:touched`,
  off: (participantId) => `${prefix}:interests:{${participantId}}:off`,
});
