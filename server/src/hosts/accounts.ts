import { createHost, findPage, type HostDoc, hostModel, updateHostAccount } from '@rallyboard/core/db';
import {
  AppError,
  type CreateHostBody,
  type HostView,
  type PageQuery,
  type UpdateHostBody,
} from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { PasswordWork } from '../auth/passwords.js';
import type { HostPrincipal } from './principal.js';

/** A host account as admins see it: never its password hash. */
export function hostView(host: Omit<HostDoc, 'passwordHash'>): HostView {
  return {
    id: host._id,
    username: host.username,
    role: host.role,
    createdAt: new Date(host.createdAt).toISOString(),
    disabled: host.disabled === true,
  };
}

export interface AccountDeps {
  mongo: Connection;
  audit: AuditLog;
  passwords: Pick<PasswordWork, 'hash'>;
}

/** Creates a host account (an admin's act, recorded): USERNAME_TAKEN when the name is. */
export async function createHostAccount(
  deps: AccountDeps,
  actor: { host: HostPrincipal; ip: string },
  body: CreateHostBody,
): Promise<HostDoc> {
  const host = await createHost(hostModel(deps.mongo), {
    username: body.username,
    passwordHash: await deps.passwords.hash(body.password),
    role: body.role,
  });
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'host.create',
    target: { type: 'host', id: host._id },
    before: null,
    after: { id: host._id, username: host.username, role: host.role },
  });
  return host;
}

/** Host accounts, newest first. */
export async function listHosts(
  mongo: Connection,
  page: PageQuery,
): Promise<{ hosts: HostView[]; nextCursor: string | null }> {
  const { items, nextCursor } = await findPage<HostDoc>(hostModel(mongo), {}, 'createdAt', page, {
    passwordHash: 0,
  });
  return { hosts: items.map(hostView), nextCursor };
}

/**
 * An admin's change to an account: disables or enables it, and with `revokeTokens` ends every
 * sign-in it has (its token version + 1). A disabled host cannot sign in, and the tokens it holds
 * stop working at once (host routes load the account); a revoked token stops working at once
 * too, while the host may sign in again. An admin cannot disable itself: the last admin would
 * lock everyone out.
 */
export async function updateHost(
  deps: Omit<AccountDeps, 'passwords'>,
  actor: { host: HostPrincipal; ip: string },
  hostId: string,
  change: UpdateHostBody,
): Promise<HostDoc> {
  if (hostId === actor.host.hostId && change.disabled === true) {
    throw new AppError('FORBIDDEN', { message: 'An admin cannot disable its own account.' });
  }
  const was = await updateHostAccount(deps.mongo, hostId, change);
  if (!was) throw new AppError('HOST_NOT_FOUND');
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (change.disabled !== undefined) {
    before.disabled = was.disabled === true;
    after.disabled = change.disabled;
  }
  if (change.revokeTokens === true) {
    before.tokenVersion = was.tokenVersion ?? 0;
    after.tokenVersion = (was.tokenVersion ?? 0) + 1;
  }
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'host.update',
    target: { type: 'host', id: hostId },
    before,
    after,
  });
  return { ...was, disabled: change.disabled ?? was.disabled };
}
