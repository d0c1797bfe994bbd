import { createHost, findPage, type HostDoc, hostModel } from '@rallyboard/core/db';
import { AppError, type CreateHostBody, type HostView, type PageQuery } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import { hashPassword } from '../auth/passwords.js';
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
}

/** Creates a host account (an admin's act, recorded): USERNAME_TAKEN when the name is. */
export async function createHostAccount(
  deps: AccountDeps,
  actor: { host: HostPrincipal; ip: string },
  body: CreateHostBody,
): Promise<HostDoc> {
  const host = await createHost(hostModel(deps.mongo), {
    username: body.username,
    passwordHash: await hashPassword(body.password),
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
 * Disables or enables an account. A disabled host cannot sign in, and the tokens it holds stop
 * working at once (host routes load the account). An admin cannot disable itself: the last
 * admin would lock everyone out.
 */
export async function setHostDisabled(
  deps: AccountDeps,
  actor: { host: HostPrincipal; ip: string },
  hostId: string,
  disabled: boolean,
): Promise<HostDoc> {
  if (hostId === actor.host.hostId && disabled) {
    throw new AppError('FORBIDDEN', { message: 'An admin cannot disable its own account.' });
  }
  // No projection: FerretDB v1's findAndModify does not take one. hostView never shows the hash.
  const was = await hostModel(deps.mongo)
    .findOneAndUpdate({ _id: hostId }, { $set: { disabled } }, { returnDocument: 'before' })
    .lean<HostDoc>();
  if (!was) throw new AppError('HOST_NOT_FOUND');
  await deps.audit({
    actor: actor.host,
    ip: actor.ip,
    action: 'host.update',
    target: { type: 'host', id: hostId },
    before: { disabled: was.disabled === true },
    after: { disabled },
  });
  return { ...was, disabled };
}
