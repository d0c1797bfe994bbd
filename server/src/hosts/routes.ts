import {
  createHostBodySchema,
  hostIdSchema,
  hostPageSchema,
  hostViewSchema,
  pageQuerySchema,
  updateHostBodySchema,
} from '@rallyboard/core/protocol';
import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.js';
import type { PasswordWork } from '../auth/passwords.js';
import type { Api } from '../http/api.js';
import { clientIp } from '../http/client-ip.js';
import { whenAvailable } from '../lib/when-available.js';
import { createHostAccount, hostView, listHosts, updateHost } from './accounts.js';

const hostParams = z.object({ hostId: hostIdSchema });

export interface HostsRouteDeps {
  api: Api;
  mongo: Connection;
  audit: AuditLog;
  passwords: Pick<PasswordWork, 'hash'>;
}

/** Admins manage host accounts: create, list, disable, revoke tokens. Every change is in the audit log. */
export function hostsRouter(routeDeps: HostsRouteDeps): Router {
  const router = Router();
  const { api } = routeDeps;
  const deps = { mongo: routeDeps.mongo, audit: routeDeps.audit, passwords: routeDeps.passwords };
  const tag = 'Hosts';

  api.route(
    router,
    {
      method: 'post',
      path: '/api/hosts',
      tag,
      summary: 'Create a host account (admin)',
      description:
        'Usernames are kept in lower case and are unique. A `host` runs the campaigns it creates or ' +
        'co-hosts; an `admin` may touch every campaign and manages accounts.',
      auth: 'admin',
      body: createHostBodySchema,
      responses: { 201: { description: 'Created.', schema: hostViewSchema } },
      errors: ['USERNAME_TAKEN'],
    },
    async ({ auth, body }, req, res) => {
      const actor = { host: auth, ip: clientIp(req) };
      const host = await whenAvailable(() => createHostAccount(deps, actor, body));
      res.status(201).json(hostView(host));
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/hosts',
      tag,
      summary: 'Host accounts, newest first (admin)',
      auth: 'admin',
      query: pageQuerySchema,
      responses: { 200: { description: 'A page of accounts.', schema: hostPageSchema } },
    },
    async ({ query }, _req, res) => {
      res.json(await whenAvailable(() => listHosts(deps.mongo, query)));
    },
  );

  api.route(
    router,
    {
      method: 'patch',
      path: '/api/hosts/:hostId',
      tag,
      summary: 'Disable or enable a host account, or revoke its tokens (admin)',
      description:
        'A disabled host can neither sign in nor use the tokens it holds. `revokeTokens: true` ends every ' +
        'sign-in of the host at once (each token it holds is refused); it may sign in again. An admin ' +
        'cannot disable itself.',
      auth: 'admin',
      params: hostParams,
      body: updateHostBodySchema,
      responses: { 200: { description: 'The account as it is now.', schema: hostViewSchema } },
      errors: ['HOST_NOT_FOUND'],
    },
    async ({ auth, params, body }, req, res) => {
      const actor = { host: auth, ip: clientIp(req) };
      const host = await whenAvailable(() => updateHost(deps, actor, params.hostId, body));
      res.json(hostView(host));
    },
  );
  return router;
}
