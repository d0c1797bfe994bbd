import { shareTokenModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';

const MAX_CACHED = 50_000;

/**
 * Share token → the participant who shared it, on the token's campaign. Tokens never change, so
 * answers are kept (the oldest dropped past MAX_CACHED); an unknown or foreign token has no inviter.
 */
export function createInviterLookup(
  connection: Connection,
): (boardId: string, tokens: readonly string[]) => Promise<Map<string, string>> {
  const tokens = shareTokenModel(connection);
  const cache = new Map<string, { campaignId: string; inviterId: string } | null>();
  return async (boardId, wanted) => {
    const missing = [...new Set(wanted)].filter((t) => !cache.has(t));
    if (missing.length > 0) {
      const docs = await tokens.find({ _id: { $in: missing } }, { campaignId: 1, inviterId: 1 }).lean();
      const found = new Map(docs.map((d) => [d._id, d]));
      for (const t of missing) {
        const doc = found.get(t);
        cache.set(t, doc ? { campaignId: doc.campaignId, inviterId: doc.inviterId } : null);
        if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
      }
    }
    const answer = new Map<string, string>();
    for (const t of wanted) {
      const hit = cache.get(t);
      if (hit && hit.campaignId === boardId) answer.set(t, hit.inviterId);
    }
    return answer;
  };
}
