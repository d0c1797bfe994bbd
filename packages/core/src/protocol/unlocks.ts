import { z } from 'zod';
import { boardIdSchema } from './ids.js';

/**
 * Like-to-unlock (点赞解锁, docs/rewards.md): a host's content item on a like campaign, opened
 * either for each participant whose counted like of its candidate stands, or for everyone once
 * the candidate has a number of counted likes (a shared goal). Locked content never leaves the
 * server to a client that has not unlocked it.
 */
export const unlockIdSchema = z.string().regex(/^ul[A-Za-z0-9_-]{10}$/, 'is not an unlockable id');

const unlockRuleSchema = z.discriminatedUnion('kind', [
  /** Opens for each participant whose counted like of the candidate stands. */
  z.strictObject({ kind: z.literal('my-like') }),
  /** Opens for everyone once the candidate has `likes` counted likes. */
  z.strictObject({ kind: z.literal('shared-goal'), likes: z.number().int().min(1).max(100_000_000) }),
  /**
   * Opens for each participant who holds a grant of a reward rule whose reward is this item
   * (`{ kind: "unlock", unlockableId }`): their own counted votes, as the rule says.
   */
  z.strictObject({ kind: z.literal('reward') }),
]);
export type UnlockRule = z.infer<typeof unlockRuleSchema>;

/** Body of `POST /api/campaigns/:id/unlockables`: text, a picture, or both. */
export const unlockableInputSchema = z
  .strictObject({
    candidateId: z.string().min(1).max(64),
    title: z.string().trim().min(1).max(60),
    text: z.string().trim().min(1).max(2_000).optional(),
    imageUrl: z
      .url({ protocol: /^https$/ })
      .max(500)
      .optional(),
    unlock: unlockRuleSchema,
  })
  .refine((v) => v.text !== undefined || v.imageUrl !== undefined, {
    message: 'give the content: text, imageUrl or both',
    path: ['text'],
  });
export type UnlockableInput = z.infer<typeof unlockableInputSchema>;

/** An item as a participant sees it: `content` only once it is open to them. */
export const unlockableViewSchema = z.object({
  id: unlockIdSchema,
  campaignId: z.string(),
  candidateId: z.string(),
  title: z.string(),
  unlock: unlockRuleSchema,
  /** How it opens, in Chinese. */
  how: z.string(),
  locked: z.boolean(),
  /** A shared goal: the candidate's counted likes now (the public ranking's), and the goal. */
  progress: z.object({ likes: z.number(), goal: z.number() }).optional(),
  content: z.object({ text: z.string().optional(), imageUrl: z.string().optional() }).optional(),
});
export type UnlockableView = z.infer<typeof unlockableViewSchema>;
export const unlockableListSchema = z.object({ items: z.array(unlockableViewSchema) });

/** `GET /api/me/unlockables?campaignId=`. */
export const myUnlockablesQuerySchema = z.object({ campaignId: boardIdSchema });
