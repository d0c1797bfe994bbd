import type { Config } from '@rallyboard/core/config';
import { findHostAccount } from '@rallyboard/core/db';
import {
  AppError,
  changePasswordBodySchema,
  hostLoginBodySchema,
  hostLoginSchema,
  hostViewSchema,
} from '@rallyboard/core/protocol';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { PasswordWork } from '../auth/passwords.js';
import type { TokenSigner } from '../auth/tokens.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { hostView } from './accounts.js';
import { createHostLogin, createPasswordAttempts } from './login.js';
import { changeOwnPassword, logOut } from './own-account.js';

export interface HostAuthRouteDeps {
  api: Api;
  config: Pick<Config, 'rateLimits'>;
  keys: KeyBuilder;
  redis: RedisClient;
  mongo: Connection;
  audit: AuditLog;
  tokens: Pick<TokenSigner, 'host'>;
  /** The process's one password gate (auth/passwords.ts), shared with account creation. */
  passwords: PasswordWork;
}

/**
 * A host's own sign-in: `POST /api/host/login` trades a username and password for a host token
 * (`HOST_TOKEN_TTL_SECONDS`); `GET /api/host/me` says whose a token is; `POST /api/host/logout`
 * and `POST /api/host/password` end sign-ins (see own-account.ts).
 */
export function hostAuthRouter(deps: HostAuthRouteDeps): Router {
  const router = Router();
  const attempts = createPasswordAttempts(deps);
  const login = createHostLogin({ ...deps, attempts });
  const own = { ...deps, attempts };
  const tag = 'Hosts';

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/host/login',
      tag,
      summary: 'Sign in as a host',
      description:
        'Answers a host token for `Authorization: Bearer`. An unknown username, a wrong password and a ' +
        'disabled account answer the same INVALID_CREDENTIALS. Attempts are limited per address ' +
        '(RATE_LIMIT_HOST_LOGIN_PER_IP a minute) and per address and username (RATE_LIMIT_HOST_LOGIN), ' +
        'right or wrong; while the server is busy checking other passwords, RATE_LIMITED with Retry-After.',
      auth: 'public',
      body: hostLoginBodySchema,
      responses: { 200: { description: 'Signed in.', schema: hostLoginSchema } },
      errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
    },
    async ({ body }, req, res) => {
      const ip = clientIp(req);
      const { answer, principal } = await login(body, ip);
      await deps.audit({
        actor: principal,
        ip,
        action: 'host.login',
        target: { type: 'host', id: principal.hostId },
        before: null,
        after: null,
      });
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/host/me',
      tag,
      summary: 'The host this token belongs to',
      auth: 'host',
      responses: { 200: { description: 'The account.', schema: hostViewSchema } },
    },
    async ({ auth }, _req, res) => {
      const host = await whenAvailable(() => findHostAccount(deps.mongo, auth.hostId));
      // The account was checked a moment ago; it can only be gone if it was deleted since.
      if (!host) throw new AppError('UNAUTHENTICATED');
      res.json(hostView(host));
    },
  );

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/host/logout',
      tag,
      summary: 'Sign out everywhere',
      description:
        "Revokes every token of this host's, this one included, in every browser: each is refused from the " +
        'next request on. Sign in again for a new one.',
      auth: 'host',
      responses: { 204: { description: 'Signed out.' } },
    },
    async ({ auth }, req, res) => {
      await logOut(own, auth, clientIp(req));
      res.status(204).end();
    },
  );

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/host/password',
      tag,
      summary: 'Change your password',
      description:
        'Needs the current password (attempts are limited as logins are). Revokes every token of this ' +
        "host's and answers a new one for the caller: other browsers are signed out, this one stays in.",
      auth: 'host',
      body: changePasswordBodySchema,
      responses: { 200: { description: 'Changed; a new token.', schema: hostLoginSchema } },
      errors: ['PASSWORD_INCORRECT', 'RATE_LIMITED'],
    },
    async ({ auth, body }, req, res) => {
      const answer = await changeOwnPassword(own, auth, clientIp(req), body);
      res.set('Cache-Control', 'no-store').json(answer);
    },
  );
  return router;
}
