import { createServer, type Server as HttpServer } from 'node:http';
import {
  createVoteReads,
  entryModels,
  matchModel,
  notificationModels,
  rewardModels,
  unlockableModel,
  wechatPushModels,
} from '@rallyboard/core/db';
import { votesInFlight } from '@rallyboard/core/queue';
import { createWeChatApi } from '@rallyboard/core/wechat';
import express, { type Express, type Router } from 'express';
import { adminQueuesRouter } from './admin/routes.js';
import { createAuditLog } from './audit/log.js';
import { auditRouter } from './audit/routes.js';
import { createLoginLimit } from './auth/login-limit.js';
import { createPasswordWork } from './auth/passwords.js';
import { authRouter } from './auth/routes.js';
import { createSessions } from './auth/sessions.js';
import { createTokenSigner } from './auth/tokens.js';
import { createBoardLookup } from './boards/lookup.js';
import { leaderboardRouter } from './boards/routes.js';
import { createCampaignAccess } from './campaigns/access.js';
import { campaignLeaderboardRouter } from './campaigns/leaderboard-routes.js';
import { campaignMembersRouter } from './campaigns/member-routes.js';
import { monitorRouter } from './campaigns/monitor-routes.js';
import { publicCampaignsRouter } from './campaigns/public-routes.js';
import { campaignsRouter } from './campaigns/routes.js';
import { createCampaignStore } from './campaigns/store.js';
import { createCandidateTextCheck } from './campaigns/text-check.js';
import type { AppDeps } from './deps.js';
import { entryHostRouter } from './entries/host-routes.js';
import { entriesRouter } from './entries/routes.js';
import { suggestionsRouter } from './entries/suggestion-routes.js';
import { exportsRouter } from './exports/routes.js';
import { healthRouter } from './health/routes.js';
import { hostAuthRouter } from './hosts/login-routes.js';
import { createHostResolver } from './hosts/principal.js';
import { hostsRouter } from './hosts/routes.js';
import { wechatBindingRouter } from './hosts/wechat-binding-routes.js';
import { accessLog } from './http/access-log.js';
import { type Api, createApi } from './http/api.js';
import { answerClientErrors } from './http/client-error.js';
import { docsRouter } from './http/docs.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { createIdempotentRequests } from './http/idempotent.js';
import { limitPublicReads, PUBLIC_MEDIA_PATHS, PUBLIC_READ_PATHS } from './http/read-limit.js';
import { requestMetrics } from './http/request-metrics.js';
import { securityHeaders } from './http/security-headers.js';
import { createVoteEnqueuer } from './ingest/enqueue.js';
import { myVotesRouter } from './ingest/my-votes-routes.js';
import { createRateLimits, createReadLimits } from './ingest/rate-limits.js';
import { votesRouter } from './ingest/routes.js';
import { createVoteIds } from './ingest/vote-ids.js';
import { matchingRouter } from './matching/routes.js';
import { createServerMetrics } from './metrics/recorders.js';
import { metricsRouter } from './metrics/routes.js';
import { notificationLogRouter } from './notifications/host-routes.js';
import { notificationsRouter } from './notifications/routes.js';
import { webRouter } from './pages/routes.js';
import { socketClientAddress } from './realtime/client-address.js';
import { createHostAccess } from './realtime/host-access.js';
import { createHostNamespace } from './realtime/host-namespace.js';
import { createAlertRelay } from './realtime/relays/alert-relay.js';
import { createBoardRelay } from './realtime/relays/board-relay.js';
import type { Relay } from './realtime/relays/channel.js';
import { createScreenRelay } from './realtime/relays/screen-relay.js';
import { createRealtime } from './realtime/socket-server.js';
import type { RealtimeServer } from './realtime/types.js';
import { recommendationsRouter } from './recommendations/routes.js';
import { createRecommender } from './recommendations/service.js';
import { referralsRouter } from './referrals/routes.js';
import { riskRouter } from './review/risk-routes.js';
import { reviewRouter } from './review/routes.js';
import { myRewardsRouter } from './rewards/me-routes.js';
import { rewardsRouter } from './rewards/routes.js';
import { screensRouter } from './screens/routes.js';
import { createScreens } from './screens/screens.js';
import { unlocksRouter } from './unlocks/routes.js';
import { wechatPushRouter } from './wechat-push/routes.js';

export type { AppDeps } from './deps.js';

export interface App {
  app: Express;
  httpServer: HttpServer;
  io: RealtimeServer;
  relay: Relay;
  /** Every route's spec (method, path, auth, schemas), e.g. for the API docs or tests. */
  api: Api;
}

/**
 * The services every feature is handed a part of, built once and in dependency order: each
 * one's inputs exist before it does, so nothing is built lazily. Each feature's factory takes
 * the narrow type it declares itself; this object is never handed on whole.
 */
function createServices(deps: AppDeps) {
  const { config, redis, keys, mongo } = deps;
  const tokens = createTokenSigner(config.auth);
  const hosts = createHostResolver(mongo);
  const audit = createAuditLog(deps);
  const wechat = deps.wechat ?? createWeChatApi(deps);
  const now = deps.now ?? Date.now;
  const boards = createBoardLookup({ ...deps, now });
  const reads = { redis, keys, boards };
  // Host-entered text (candidates, like-to-unlock content) passes WeChat's check as the host's.
  const checkTexts = createCandidateTextCheck({ mongo, redis, keys, wechat, config });
  return {
    ...deps,
    now,
    metrics: createServerMetrics(),
    tokens,
    hosts,
    audit,
    wechat,
    boards,
    readLimits: createReadLimits(deps),
    loadCampaign: createCampaignAccess(mongo),
    // One gate per process over scrypt work: libuv's thread pool is per process.
    passwords: createPasswordWork(config.auth.passwordHashing),
    votes: createVoteReads(mongo),
    notifications: notificationModels(mongo),
    entries: entryModels(mongo),
    rewards: rewardModels(mongo),
    matches: matchModel(mongo),
    unlockables: unlockableModel(mongo),
    recommend: createRecommender({ mongo, redis, keys, now }),
    votesInFlight: () => votesInFlight(deps.voteQueue),
    rateLimit: createRateLimits(deps),
    pushes: wechatPushModels(mongo),
    voteIds: createVoteIds(config.auth),
    sessions: createSessions({
      redis,
      keys,
      tokens,
      refreshTtlSeconds: config.auth.participantRefreshTtlSeconds,
    }),
    // Bodies are read only once a route has authenticated the caller (see http/api.ts).
    api: createApi(
      tokens,
      hosts,
      express.json({ limit: config.http.bodyLimitBytes, strict: true }),
      createIdempotentRequests({ redis, keys }),
    ),
    screens: createScreens({ ...reads, config, mongo, wechat }),
    checkTexts,
    store: createCampaignStore({ ...deps, boardCache: boards.cache, audit, checkTexts }),
  };
}
type Services = ReturnType<typeof createServices>;

/**
 * The routers, hot paths first: express tries them in order, and ingest and the public reads
 * take nearly every request. (No two routers share a path, so the order changes nothing else.)
 */
function featureRouters(s: Services): Router[] {
  return [
    votesRouter({
      ...s,
      enqueue: createVoteEnqueuer({ ...s, metrics: s.metrics.ingest }),
    }),
    leaderboardRouter(s),
    healthRouter(s),
    metricsRouter(s),
    authRouter({ ...s, loginLimit: createLoginLimit(s) }),
    hostAuthRouter(s),
    wechatBindingRouter(s),
    hostsRouter(s),
    campaignsRouter(s),
    campaignMembersRouter(s),
    campaignLeaderboardRouter(s),
    publicCampaignsRouter(s),
    auditRouter(s),
    myVotesRouter(s),
    notificationsRouter(s),
    entriesRouter(s),
    entryHostRouter({ ...s, campaigns: s.store.campaigns, boards: s.store.boards }),
    suggestionsRouter(s),
    notificationLogRouter(s),
    wechatPushRouter(s),
    rewardsRouter(s),
    myRewardsRouter(s),
    matchingRouter(s),
    unlocksRouter(s),
    recommendationsRouter(s),
    referralsRouter(s),
    reviewRouter(s),
    riskRouter(s),
    screensRouter(s),
    monitorRouter(s),
    exportsRouter(s),
    adminQueuesRouter(s),
    docsRouter(s.api, s.config.http.publicUrl),
    webRouter(s),
  ];
}

/**
 * Builds the server: express routes, socket.io and the relays, wired to the given dependencies.
 * Does not listen and does not subscribe; main.ts (or a test) starts the relay and listens.
 */
export function createApp(deps: AppDeps): App {
  const services = createServices(deps);
  for (const connection of [deps.redis, deps.subscriber]) {
    connection.on('error', () => services.metrics.storeError('redis'));
  }
  // The queues' producer connection (ingest adds votes through it) reports through the queue.
  deps.voteQueue.on('error', () => services.metrics.storeError('redis'));
  deps.mongo.on('disconnected', () => services.metrics.storeError('mongo'));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.http.trustProxy);
  // Answers are live data: no ETag to compute for every vote and every read.
  app.set('etag', false);
  app.use(securityHeaders());
  app.use(accessLog(deps.logger));
  app.use(requestMetrics(services.metrics.http));
  app.use(PUBLIC_READ_PATHS, limitPublicReads(services.readLimits.read));
  app.use(PUBLIC_MEDIA_PATHS, limitPublicReads(services.readLimits.media));
  for (const router of featureRouters(services)) app.use(router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));

  const httpServer = createServer(app);
  answerClientErrors(httpServer);
  const io = createRealtime(httpServer, { ...services, clientAddress: socketClientAddress(app) });
  // One set of /host checks for the namespace's events and the alerts it is pushed.
  const hostAccess = createHostAccess(services);
  const hostNamespace = createHostNamespace(io, { ...services, hostAccess });
  // The rank relay, the hosts' alerts and the screens' views share the subscriber connection;
  // they start and stop together.
  services.metrics.countSockets(() => ({
    '/': io.of('/').sockets.size,
    '/host': hostNamespace.sockets.size,
  }));
  const relays = [
    createBoardRelay(io, { ...services, metrics: services.metrics.relay }),
    createAlertRelay(hostNamespace, { ...services, hostAccess }),
    createScreenRelay(io, services),
  ];
  const relay: Relay = {
    start: async () => {
      await Promise.all(relays.map((r) => r.start()));
    },
    stop: async () => {
      await Promise.all(relays.map((r) => r.stop()));
    },
  };
  return { app, httpServer, io, relay, api: services.api };
}
