import { z } from 'zod';
import { hostIdSchema, hostRoleSchema } from './hosts.js';
import { nextCursorSchema } from './pages.js';

/** What a host did. Every change a host makes is one entry, written after the change succeeded. */
export const AUDIT_ACTIONS = [
  'campaign.create',
  'campaign.update',
  'campaign.transition',
  'campaign.delete',
  'campaign.reveal',
  'campaign.screen',
  'campaign.screen-token',
  'campaign.screen-token.revoke',
  'member.add',
  'member.update',
  'member.remove',
  'host.create',
  'host.update',
  'host.login',
  'host.logout',
  'host.password',
  'host.wechat-bind',
  'host.wechat-unbind',
  'risk.settings',
  'review.approve',
  'review.void',
  'review.void-by-rule',
  'entries.settings',
  'entry.approve',
  'entry.reject',
  'suggestion.progress',
  'rewards.rule',
  'rewards.rule-update',
  'rewards.pool',
  'rewards.import',
  'rewards.redeem',
  'rewards.lottery',
  'rewards.draw',
  'matching.pledge',
  'unlocks.add',
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const AUDIT_TARGETS = ['campaign', 'member', 'host', 'review', 'entry'] as const;
export type AuditTargetType = (typeof AUDIT_TARGETS)[number];

/** One audit entry. `before` and `after` hold the values the change replaced and wrote. */
export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  actor: z.object({ hostId: hostIdSchema, username: z.string(), role: hostRoleSchema }),
  action: auditActionSchema,
  /** What was changed: a campaign, a member (by candidate id) or a host account. */
  target: z.object({ type: z.enum(AUDIT_TARGETS), id: z.string() }),
  /** The campaign the entry belongs to, for campaign and member entries. */
  campaignId: z.string().nullable(),
  /** The values before the change (only the fields it changed); null for a creation. */
  before: z.unknown(),
  /** The values after the change; null for a removal. */
  after: z.unknown(),
  /** The client address the change came from. */
  ip: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({ entries: z.array(auditEntrySchema), nextCursor: nextCursorSchema });
export type AuditPage = z.infer<typeof auditPageSchema>;
