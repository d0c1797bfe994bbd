import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { AppError, queueSessionSchema } from '@rallyboard/core/protocol';
import type { CampaignScheduleJob, ReviewJob, ReviewJobResult, VoteJob } from '@rallyboard/core/queue';
import type { Queue } from 'bullmq';
import { type Express, type RequestHandler, Router } from 'express';
import type { TokenSecrets } from '../auth/key-ring.js';
import type { HostResolver } from '../hosts/principal.js';
import type { Api } from '../http/api.js';
import {
  createQueueSessions,
  QUEUE_COOKIE,
  QUEUE_SESSION_TTL_SECONDS,
  QUEUES_PATH,
  readCookie,
} from './queue-session.js';

export interface AdminQueuesRouteDeps {
  api: Api;
  config: { auth: TokenSecrets; http: { publicUrl: string } };
  hosts: HostResolver;
  voteQueue: Queue<VoteJob>;
  reviewQueue: Queue<ReviewJob, ReviewJobResult>;
  campaignQueue: Queue<CampaignScheduleJob>;
}

/**
 * Queue inspection for admins: bull-board over the votes, review and campaigns queues, at
 * /admin/queues. The console opens it with a session cookie (see admin/queue-session.ts); every
 * request to bull-board, its API and its assets checks that cookie and the account behind it as it
 * is now (a disabled or demoted admin is refused at once, and a session whose sign-in has ended):
 * no cookie 401, not an admin 403.
 *
 * Read-only: bull-board's add, retry, clean, empty, obliterate, pause and edit calls would change
 * queues without a token, the campaign, rate-limit and risk checks or the audit log (its add-job
 * call put forged votes on a board). Every queue is in bull-board's `readOnlyMode`, and, in case a
 * bull-board version ignores that, this router refuses every request there but GET and HEAD
 * before bull-board sees it. Votes enter only through ingest; dead-lettered votes are replayed by
 * the replay command (docs/console.md).
 */
export function adminQueuesRouter(deps: AdminQueuesRouteDeps): Router {
  const router = Router();
  const sessions = createQueueSessions(deps.config.auth);
  const httpsOnly = deps.config.http.publicUrl.startsWith('https://');

  deps.api.route(
    router,
    {
      method: 'post',
      path: '/api/admin/queue-session',
      tag: 'Console',
      summary: 'Open bull-board (admin): sets its session cookie',
      description:
        `Sets \`${QUEUE_COOKIE}\`, an HttpOnly, SameSite=Strict cookie for ${QUEUES_PATH} valid ` +
        `${QUEUE_SESSION_TTL_SECONDS / 60} minutes, with which this browser may open bull-board (the queues ` +
        `votes, review and campaigns) at ${QUEUES_PATH}. Every request there checks the cookie and that its ` +
        'host is still an admin.',
      auth: 'admin',
      responses: { 200: { description: 'The cookie is set.', schema: queueSessionSchema } },
    },
    async ({ auth }, req, res) => {
      const { value, expiresAt } = await sessions.sign(auth.hostId, auth.tokenVersion ?? 0);
      res.cookie(QUEUE_COOKIE, value, {
        httpOnly: true,
        sameSite: 'strict',
        // Over TLS: directly or through a proxy TRUST_PROXY trusts (req.secure), or whenever the
        // public address is https, since then the browser reached us over TLS whatever a proxy
        // we do not trust says.
        secure: req.secure || httpsOnly,
        path: QUEUES_PATH,
        maxAge: QUEUE_SESSION_TTL_SECONDS * 1000,
      });
      res.json({ url: `${QUEUES_PATH}/`, expiresAt: expiresAt.toISOString() });
    },
  );

  // First, so a write is refused before anything reads its cookie or its body.
  const readsOnly: RequestHandler = (req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new AppError('FORBIDDEN', {
        message:
          'The queues are read-only: votes enter only through ingest, and dead-lettered votes are replayed by command.',
      });
    }
    next();
  };

  const adminsOnly: RequestHandler = async (req, _res, next) => {
    const cookie = readCookie(req.get('cookie'), QUEUE_COOKIE);
    if (cookie === undefined)
      throw new AppError('UNAUTHENTICATED', { message: 'Open the queues from the console.' });
    const hostId = await sessions.verify(cookie);
    const host = await deps.hosts({ kind: 'host', hostId, role: 'host' });
    // The session ends with the sign-in that opened it: a logout, a password change or an
    // admin's revocation raises the account's version (until 2026-12-07 the cookie outlived them).
    await sessions.verify(cookie, host.tokenVersion);
    if (host.role !== 'admin')
      throw new AppError('FORBIDDEN', { message: 'Only an admin may inspect the queues.' });
    next();
  };

  const board = new ExpressAdapter();
  board.setBasePath(QUEUES_PATH);
  const readOnly = { readOnlyMode: true } as const;
  createBullBoard({
    queues: [
      new BullMQAdapter(deps.voteQueue, { ...readOnly, displayName: 'votes 投票' }),
      new BullMQAdapter(deps.reviewQueue, { ...readOnly, displayName: 'review 审核' }),
      new BullMQAdapter(deps.campaignQueue, { ...readOnly, displayName: 'campaigns 排期' }),
    ],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Rallyboard 队列', locale: { lng: 'zh-CN' }, hideDocsLink: true } },
  });
  // bull-board answers from an express app of its own, which would name itself in X-Powered-By.
  const boardApp = board.getRouter() as Express;
  boardApp.disable('x-powered-by');
  router.use(QUEUES_PATH, readsOnly, adminsOnly, boardApp);
  return router;
}
