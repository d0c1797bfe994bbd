import { z } from 'zod';
import { candidateIdSchema } from './ids.js';

/**
 * Group boards. A campaign's candidates may each name a `group` (a team, a class, a store, a
 * 团). Each group has a ranking of its own candidates, and the groups are ranked by their total.
 *
 * A group travels by its id: the group's name hashed (FNV-1a, two 32-bit lanes), 16 hex
 * characters. Names are free text (any script, spaces, braces); ids are safe in URLs, Redis keys
 * and socket rooms, and every reader derives the same id from the same name. The campaign's view
 * lists its groups with their ids and names.
 */
export const groupIdSchema = z
  .string()
  .regex(/^[0-9a-f]{16}$/, 'is not a group id (16 hex characters, from the campaign view)');
export type GroupId = z.infer<typeof groupIdSchema>;

function fnv1a(text: string, basis: number): string {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The id of a group name. */
export function groupIdOf(name: string): GroupId {
  return fnv1a(name, 0x811c9dc5) + fnv1a(`${name}\u0000`, 0x050c5d1f);
}

/** One group as a campaign view lists it. */
export const campaignGroupSchema = z.object({
  id: groupIdSchema,
  name: z.string(),
  /** Its candidates' ids, in the campaign's order. */
  candidateIds: z.array(candidateIdSchema),
});
export type CampaignGroup = z.infer<typeof campaignGroupSchema>;

/** The groups of a campaign's members, in the order each first appears. */
export function groupsOf(
  members: readonly { candidateId: string; group?: string | undefined }[],
): CampaignGroup[] {
  const groups = new Map<string, CampaignGroup>();
  for (const member of members) {
    if (member.group === undefined) continue;
    const id = groupIdOf(member.group);
    const group = groups.get(id) ?? { id, name: member.group, candidateIds: [] };
    group.candidateIds.push(member.candidateId);
    groups.set(id, group);
  }
  return [...groups.values()];
}

/**
 * Which ranking a read takes: the candidates (all of them, or one group's with `group`), or the
 * groups by their totals (`view=groups`, where an entry's `candidateId` is a group id).
 */
export const RANKING_VIEWS = ['candidates', 'groups'] as const;
export const rankingViewSchema = z.enum(RANKING_VIEWS);
export type RankingView = z.infer<typeof rankingViewSchema>;
