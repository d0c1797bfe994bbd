import { createServer, type Server as HttpServer } from 'node:http';
import express, { type Express } from 'express';
import { createAuditLog } from './audit/log.js';
import { createSessions } from './auth/sessions.js';
import { createTokenSigner } from './auth/tokens.js';
import { createBoardLookup } from './boards/lookup.js';
import type { AppContext, AppDeps } from './deps.js';
import { createHostResolver } from './hosts/principal.js';
import { accessLog } from './http/access-log.js';
import { type Api, createApi } from './http/api.js';
import { answerClientErrors } from './http/client-error.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { adminQueuesRouter } from './http/routes/admin-queues.js';
import { auditRouter } from './http/routes/audit.js';
import { authRouter } from './http/routes/auth.js';
import { campaignLeaderboardRouter } from './http/routes/campaign-leaderboard.js';
import { campaignMembersRouter } from './http/routes/campaign-members.js';
import { campaignsRouter } from './http/routes/campaigns.js';
import { docsRouter } from './http/routes/docs.js';
import { exportsRouter } from './http/routes/exports.js';
import { healthRouter } from './http/routes/health.js';
import { hostAuthRouter } from './http/routes/host-auth.js';
import { hostsRouter } from './http/routes/hosts.js';
import { leaderboardRouter } from './http/routes/leaderboard.js';
import { monitorRouter } from './http/routes/monitor.js';
import { myVotesRouter } from './http/routes/my-votes.js';
import { publicCampaignsRouter } from './http/routes/public-campaigns.js';
import { referralsRouter } from './http/routes/referrals.js';
import { reviewRouter } from './http/routes/review.js';
import { riskRouter } from './http/routes/risk.js';
import { screensRouter } from './http/routes/screens.js';
import { votesRouter } from './http/routes/votes.js';
import { webRouter } from './http/routes/web.js';
import { createVoteEnqueuer } from './ingest/enqueue.js';
import { createRateLimits } from './ingest/rate-limits.js';
import { createVoteIds } from './ingest/vote-ids.js';
import { createAlertRelay } from './realtime/host-alerts.js';
import { createScreenRelay } from './realtime/screen-relay.js';
import { createRealtime } from './realtime/socket-server.js';
import type { RealtimeServer } from './realtime/types.js';
import { createRelay, type Relay } from './relay/relay.js';
import { createScreens, type Screens } from './screens/screens.js';
import { createWeChatApi } from './wechat/api.js';

export interface App {
  app: Express;
  httpServer: HttpServer;
  io: RealtimeServer;
  relay: Relay;
  /** Every route's spec (method, path, auth, schemas), e.g. for the API docs or tests. */
  api: Api;
}

/**
 * Builds the server: express routes, socket.io and the relay, wired to the given dependencies.
 * Does not listen and does not subscribe; main.ts (or a test) starts the relay and listens.
 */
export function createApp(deps: AppDeps): App {
  const tokens = createTokenSigner(deps.config.auth);
  const hosts = createHostResolver(deps.mongo);
  const ctx: AppContext = {
    ...deps,
    tokens,
    sessions: createSessions({
      redis: deps.redis,
      keys: deps.keys,
      tokens,
      refreshTtlSeconds: deps.config.auth.participantRefreshTtlSeconds,
    }),
    wechat: deps.wechat ?? createWeChatApi(deps),
    // Bodies are read only once a route has authenticated the caller (see http/api.ts).
    api: createApi(tokens, hosts, express.json({ limit: deps.config.http.bodyLimitBytes, strict: true })),
    hosts,
    audit: createAuditLog(deps),
    voteIds: createVoteIds(deps.config.auth.jwtSecret),
    boards: createBoardLookup(deps),
    enqueue: createVoteEnqueuer(deps),
    rateLimit: createRateLimits(deps),
    // The screens read campaigns and boards through the context they belong to.
    get screens() {
      return screens;
    },
  };
  const screens: Screens = createScreens(ctx);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.http.trustProxy);
  // Answers are live data: no ETag to compute for every vote and every read.
  app.set('etag', false);
  app.use(accessLog(deps.logger));

  // The hot paths first: express tries the routers in order, and ingest and the public reads
  // take nearly every request. (No two routers share a path, so the order changes nothing else.)
  app.use(votesRouter(ctx));
  app.use(leaderboardRouter(ctx));
  app.use(healthRouter(deps));
  app.use(authRouter(ctx));
  app.use(hostAuthRouter(ctx));
  app.use(hostsRouter(ctx));
  app.use(campaignsRouter(ctx));
  app.use(campaignMembersRouter(ctx));
  app.use(campaignLeaderboardRouter(ctx));
  app.use(publicCampaignsRouter(ctx));
  app.use(auditRouter(ctx));
  app.use(myVotesRouter(ctx));
  app.use(referralsRouter(ctx));
  app.use(reviewRouter(ctx));
  app.use(riskRouter(ctx));
  app.use(screensRouter(ctx));
  app.use(monitorRouter(ctx));
  app.use(exportsRouter(ctx));
  app.use(adminQueuesRouter(ctx));
  app.use(docsRouter(ctx.api, deps.config.http.publicUrl));
  app.use(webRouter(ctx));
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  const httpServer = createServer(app);
  answerClientErrors(httpServer);
  const io = createRealtime(httpServer, ctx);
  const boardRelay = createRelay(io, ctx);
  const alertRelay = createAlertRelay(io, ctx);
  const screenRelay = createScreenRelay(io, ctx);
  // The rank relay, the hosts' alerts and the screens' views share the subscriber connection;
  // they start and stop together.
  const relays = [boardRelay, alertRelay, screenRelay];
  const relay: Relay = {
    start: async () => {
      await Promise.all(relays.map((r) => r.start()));
    },
    stop: async () => {
      await Promise.all(relays.map((r) => r.stop()));
    },
  };
  return { app, httpServer, io, relay, api: ctx.api };
}
