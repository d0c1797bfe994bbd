import { findHostAccount } from '@rallyboard/core/db';
import { AppError, hostLoginBodySchema, hostLoginSchema, hostViewSchema } from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import type { AuditLog } from '../audit/log.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { hostView } from './accounts.js';
import type { HostLoginFlow } from './login.js';

export interface HostAuthRouteDeps {
  api: Api;
  mongo: Connection;
  audit: AuditLog;
  login: HostLoginFlow;
}

/**
 * Hosts sign in to the console: `POST /api/host/login` trades a username and password for a
 * host token (`HOST_TOKEN_TTL_SECONDS`); `GET /api/host/me` says whose a token is.
 */
export function hostAuthRouter(deps: HostAuthRouteDeps): Router {
  const router = Router();
  const { login } = deps;
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
        'disabled account answer the same INVALID_CREDENTIALS. Attempts are limited per address and ' +
        'username (RATE_LIMIT_HOST_LOGIN a minute), right or wrong.',
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
  return router;
}
