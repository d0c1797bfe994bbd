import { changeHostPassword, findHostCredentials, revokeHostTokens } from '@rallyboard/core/db';
import { AppError, type ChangePasswordBody, type HostLogin } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { PasswordWork } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import { whenAvailable } from '../lib/when-available.js';
import type { PasswordAttempts } from './login.js';
import type { HostPrincipal } from './principal.js';

export interface OwnAccountDeps {
  mongo: Connection;
  audit: AuditLog;
  tokens: Pick<TokenSigner, 'host'>;
  passwords: Pick<PasswordWork, 'hash' | 'verify'>;
  attempts: PasswordAttempts;
}

/**
 * Signs the host out everywhere: its token version + 1, so every token it holds (this one, and
 * those of other browsers) is refused from the next request on. Recorded in the audit log.
 */
export async function logOut(deps: OwnAccountDeps, host: HostPrincipal, ip: string): Promise<void> {
  const version = await whenAvailable(() => revokeHostTokens(deps.mongo, host.hostId));
  if (version === null) throw new AppError('UNAUTHENTICATED');
  await deps.audit({
    actor: host,
    ip,
    action: 'host.logout',
    target: { type: 'host', id: host.hostId },
    before: { tokenVersion: version - 1 },
    after: { tokenVersion: version },
  });
}

/**
 * Changes the host's own password, given the current one. Attempts are charged like logins (a
 * stolen token must not become a way to guess the password), and a wrong current password
 * answers PASSWORD_INCORRECT (403: the token is good, so not a 401 that signs the console out).
 * The change revokes every token signed before, and answers a new one for the caller, so the
 * browser that made the change stays signed in while every other is signed out.
 */
export async function changeOwnPassword(
  deps: OwnAccountDeps,
  host: HostPrincipal,
  ip: string,
  body: ChangePasswordBody,
): Promise<HostLogin> {
  await deps.attempts(ip, host.username);
  const account = await whenAvailable(() => findHostCredentials(deps.mongo, host.hostId));
  if (!account) throw new AppError('UNAUTHENTICATED');
  if (!(await deps.passwords.verify(body.currentPassword, account.passwordHash))) {
    throw new AppError('PASSWORD_INCORRECT');
  }
  const passwordHash = await deps.passwords.hash(body.newPassword);
  // Only while the hash is still the one just checked: of two racing changes, one wins.
  const version = await whenAvailable(() =>
    changeHostPassword(deps.mongo, host.hostId, account.passwordHash, passwordHash),
  );
  if (version === null) throw new AppError('PASSWORD_INCORRECT');
  await deps.audit({
    actor: host,
    ip,
    action: 'host.password',
    target: { type: 'host', id: host.hostId },
    before: { tokenVersion: version - 1 },
    after: { tokenVersion: version },
  });
  const { token, expiresAt } = await deps.tokens.host({
    hostId: host.hostId,
    role: account.role,
    tokenVersion: version,
  });
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    host: { id: host.hostId, username: account.username, role: account.role },
  };
}
