import { z } from 'zod';
import { nextCursorSchema } from './pages.js';

/**
 * Hosts run campaigns from the console. An `admin` may touch every campaign and manages host
 * accounts; a `host` only the campaigns it created or was added to.
 */
export const HOST_ROLES = ['admin', 'host'] as const;
export const hostRoleSchema = z.enum(HOST_ROLES);
export type HostRole = z.infer<typeof hostRoleSchema>;

/** A host's id: `h` and 12 base64url characters. */
export const hostIdSchema = z.string().regex(/^h[A-Za-z0-9_-]{12}$/, 'is not a host id');
export type HostId = z.infer<typeof hostIdSchema>;

/** Usernames are compared in lower case: `Alice` and `alice` are one account. */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(32)
  .regex(
    /^[a-z0-9][a-z0-9_.-]*$/,
    'may contain only letters, digits, "_", "." and "-", and starts with one of the first two',
  );

/** A new password: long enough to resist guessing; whatever characters the host likes. */
export const newPasswordSchema = z.string().min(10, 'must be at least 10 characters').max(200);

/** Body of `POST /api/host/login`. The password is checked, not validated: any text up to 200. */
export const hostLoginBodySchema = z.strictObject({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(200),
});
export type HostLoginBody = z.infer<typeof hostLoginBodySchema>;

/** Who a host is, as a token's holder sees it. */
export const hostIdentitySchema = z.object({ id: hostIdSchema, username: z.string(), role: hostRoleSchema });
export type HostIdentity = z.infer<typeof hostIdentitySchema>;

/** The answer to a host login: a bearer token for the console and whose it is. */
export const hostLoginSchema = z.object({
  token: z.string(),
  expiresAt: z.iso.datetime(),
  host: hostIdentitySchema,
});
export type HostLogin = z.infer<typeof hostLoginSchema>;

/** A host account, as admins see it (never its password hash). */
export const hostViewSchema = hostIdentitySchema.extend({
  createdAt: z.iso.datetime(),
  disabled: z.boolean(),
});
export type HostView = z.infer<typeof hostViewSchema>;

/** Body of `POST /api/hosts` (admin). */
export const createHostBodySchema = z.strictObject({
  username: usernameSchema,
  password: newPasswordSchema,
  role: hostRoleSchema.default('host'),
});
export type CreateHostBody = z.infer<typeof createHostBodySchema>;

/**
 * Body of `PATCH /api/hosts/:hostId` (admin): a disabled host can neither sign in nor use its
 * tokens; `revokeTokens: true` ends every sign-in the host has (its tokens stop working, it may
 * sign in again). At least one of the two.
 */
export const updateHostBodySchema = z
  .strictObject({ disabled: z.boolean().optional(), revokeTokens: z.literal(true).optional() })
  .refine((body) => body.disabled !== undefined || body.revokeTokens !== undefined, {
    message: 'change at least one field',
  });
export type UpdateHostBody = z.infer<typeof updateHostBodySchema>;

export const hostPageSchema = z.object({ hosts: z.array(hostViewSchema), nextCursor: nextCursorSchema });
export type HostPage = z.infer<typeof hostPageSchema>;

/**
 * Body of `POST /api/host/password`: the current password (checked, not validated, as at login)
 * and the new one, which must differ.
 */
export const changePasswordBodySchema = z
  .strictObject({ currentPassword: z.string().min(1).max(200), newPassword: newPasswordSchema })
  .refine((body) => body.currentPassword !== body.newPassword, {
    message: 'must differ from the current password',
    path: ['newPassword'],
  });
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>;

/**
 * A binding code (`POST /api/host/wechat`): 8 characters without look-alikes (no 0, O, 1, I),
 * 40 bits, single use, for ten minutes. The host opens the mini-program with the WeChat it binds
 * and types the code (the page also takes it as its `scene` query).
 */
export const HOST_BINDING_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const hostBindingCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[2-9A-HJ-NP-Z]{8}$/, 'is not a binding code: 8 letters and digits, as the console shows it');

/** Whether the host's account has a WeChat bound, which checks the text the host publishes. */
export const hostWeChatViewSchema = z.object({
  bound: z.boolean(),
  /** When it was bound; absent when it is not. */
  boundAt: z.iso.datetime().optional(),
});
export type HostWeChatView = z.infer<typeof hostWeChatViewSchema>;

/** A new binding code, and the mini-program page that takes it. */
export const hostBindingCodeViewSchema = z.object({
  code: z.string(),
  expiresAt: z.iso.datetime(),
  /** The mini-program page to open (its `scene` query may carry the code). */
  page: z.string(),
});
export type HostBindingCodeView = z.infer<typeof hostBindingCodeViewSchema>;

/** Body of `POST /api/me/host-binding` (participant): the code the console showed. */
export const redeemHostBindingBodySchema = z.strictObject({ code: hostBindingCodeSchema });
export type RedeemHostBindingBody = z.infer<typeof redeemHostBindingBodySchema>;

/** The answer to a binding: which console account the participant's WeChat now checks for. */
export const hostBindingRedeemedSchema = z.object({ username: z.string() });
export type HostBindingRedeemed = z.infer<typeof hostBindingRedeemedSchema>;
