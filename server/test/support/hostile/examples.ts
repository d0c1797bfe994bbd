import { signedPushQuery } from '../../../../test/support/wechat.js';
import type { RouteSpec } from '../../../src/http/api.js';
import { campaignBody, TEST_PASSWORD } from '../hosts.js';
import type { HostileFixture } from './fixture.js';
import type { ValidExample } from './requests.js';
import { rewardExamples } from './reward-examples.js';

/** A route's key in the examples: `METHOD path`. */
export const keyOf = (spec: RouteSpec) => `${spec.method.toUpperCase()} ${spec.path}`;

/**
 * One valid request per route, keyed `METHOD path`, made of the fixture's accounts, tokens and
 * campaigns; the hostile-input tests change one part of it at a time. A route without one fails
 * the self-check (server/test/http/hostile-input-self-check.test.ts).
 */
export function validExamples(fixture: HostileFixture): Record<string, ValidExample> {
  const {
    asParticipant,
    asHost,
    asAdmin,
    host,
    otherHost,
    leavingHost,
    passwordHost,
    passwordHostNextToken,
  } = fixture;
  const {
    boardId,
    likeBoardId,
    voteId,
    refreshToken,
    logoutToken,
    shareToken,
    campaignId,
    doomedId,
    schedulableId,
    reviewActionId,
    endedId,
    entries,
  } = fixture;
  return {
    'POST /api/auth/wechat': { body: { code: 'ok-hostile-3' } },
    'POST /api/auth/refresh': { body: { refreshToken } },
    'POST /api/auth/logout': { body: { refreshToken: logoutToken } },
    'POST /api/boards/:boardId/votes': {
      params: { boardId },
      headers: { 'x-device-id': 'device-1', 'idempotency-key': 'hostile-key-0001' },
      body: { candidateId: 'alice', action: 'vote', dwellMs: 1_500, shareToken: 'share-1' },
      authorization: asParticipant,
    },
    'GET /api/boards/:boardId/votes/:voteId': { params: { boardId, voteId }, authorization: asParticipant },
    'GET /api/me/votes': { query: { boardId, limit: '5' }, authorization: asParticipant },
    'GET /api/boards/:boardId/quota': { params: { boardId }, authorization: asParticipant },
    'GET /api/boards/:boardId/likes/mine': {
      params: { boardId: likeBoardId },
      query: { candidateIds: 'alice,bob' },
      authorization: asParticipant,
    },
    'GET /api/boards/:boardId/leaderboard': { params: { boardId }, query: { window: 'all', limit: '5' } },
    'GET /api/boards/:boardId/members/:candidateId': {
      params: { boardId, candidateId: 'alice' },
      query: { window: 'day' },
    },
    'GET /api/boards/:boardId/members/:candidateId/around': {
      params: { boardId, candidateId: 'bob' },
      query: { window: 'all', k: '3' },
    },
    'GET /api/boards/:boardId/totals': { params: { boardId }, query: { window: 'all' } },
    'POST /api/campaigns/:campaignId/share-tokens': {
      params: { campaignId: boardId },
      body: { candidateId: 'alice' },
      authorization: asParticipant,
    },
    'GET /api/notifications/templates': {},
    'GET /api/wechat/push': { query: { ...signedPushQuery(), echostr: 'echo-1234' } },
    'POST /api/wechat/push': {
      query: signedPushQuery(),
      body: {
        ToUserName: 'gh_rallyboard',
        FromUserName: 'o-hostile',
        CreateTime: 1_764_000_000,
        MsgType: 'event',
        Event: 'wxa_media_check',
        appid: 'wxfake00000000000',
        trace_id: 'trace-hostile-0001',
        version: 2,
        result: { suggest: 'pass', label: 100 },
      },
    },
    'POST /api/me/subscriptions': {
      body: { campaignId: boardId, answers: { 'tmpl-result-001': 'accept', 'tmpl-start-0001': 'reject' } },
      authorization: asParticipant,
    },
    'GET /api/share-tokens/:shareToken': { params: { shareToken } },
    'GET /api/share-tokens/:shareToken/code.png': { params: { shareToken } },
    'GET /api/campaigns/:campaignId/referrals/mine': {
      params: { campaignId: boardId },
      authorization: asParticipant,
    },
    'POST /api/host/login': { body: { username: host.username, password: TEST_PASSWORD } },
    'GET /api/host/me': { authorization: asHost },
    // Each ends its host's sign-ins: hosts of their own, whose tokens nothing else uses.
    'POST /api/host/logout': { authorization: `Bearer ${leavingHost.token}` },
    'POST /api/host/password': {
      body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' },
      authorization: `Bearer ${passwordHost.token}`,
      // The change revokes the token it carried; the hostile changes carry the one it made.
      authorizationAfter: `Bearer ${passwordHostNextToken}`,
    },
    ...rewardExamples(fixture),
    'GET /api/host/wechat': { authorization: asHost },
    'POST /api/host/wechat': { authorization: asHost },
    // The admin's: the host's own binding stays, since its candidate text is checked as that user's.
    'DELETE /api/host/wechat': { authorization: asAdmin },
    'POST /api/me/host-binding': {
      body: { code: fixture.bindingCode },
      authorization: fixture.entries.asEntrant,
    },
    'POST /api/hosts': {
      body: { username: 'hostile-new-host', password: 'a long enough password', role: 'host' },
      authorization: asAdmin,
    },
    'GET /api/hosts': { query: { limit: '5' }, authorization: asAdmin },
    'PATCH /api/hosts/:hostId': {
      params: { hostId: otherHost.id },
      body: { disabled: false, revokeTokens: true },
      authorization: asAdmin,
    },
    'POST /api/campaigns': { body: campaignBody(), authorization: asHost },
    'GET /api/campaigns': { query: { limit: '5', status: 'draft' }, authorization: asHost },
    'GET /api/campaigns/:campaignId': { params: { campaignId }, authorization: asHost },
    'PATCH /api/campaigns/:campaignId': {
      params: { campaignId },
      body: { title: 'A new title', rules: { votesPerUserPerDay: 3 } },
      authorization: asHost,
    },
    'DELETE /api/campaigns/:campaignId': { params: { campaignId: doomedId }, authorization: asHost },
    'POST /api/campaigns/:campaignId/status': {
      params: { campaignId: schedulableId },
      body: { status: 'scheduled' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/leaderboard': {
      params: { campaignId: boardId },
      query: { window: 'all', limit: '5' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/members': {
      params: { campaignId },
      body: { candidateId: 'carol', name: 'Carol', group: 'Class 3' },
      authorization: asHost,
    },
    'PATCH /api/campaigns/:campaignId/members/:candidateId': {
      params: { campaignId, candidateId: 'alice' },
      body: { name: 'Alice L.', imageUrl: 'https://example.com/alice.png' },
      authorization: asHost,
    },
    'DELETE /api/campaigns/:campaignId/members/:candidateId': {
      params: { campaignId, candidateId: 'bob' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/review/held': {
      params: { campaignId: boardId },
      query: { groupBy: 'cluster' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/review': {
      params: { campaignId: boardId },
      body: { decision: 'approve', select: { reason: 'deviceAccounts' }, note: 'a family phone' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/review/void-by-rule': {
      params: { campaignId: boardId },
      body: {
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-02T00:00:00Z',
        network: '192.0.2.0/24',
        candidateId: 'alice',
      },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/review/actions/:actionId': {
      params: { campaignId: boardId, actionId: reviewActionId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/alerts': {
      params: { campaignId: boardId },
      query: { limit: '5' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/risk/dashboard': {
      params: { campaignId: boardId },
      query: { minutes: '30', top: '5' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/risk/settings': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'PATCH /api/campaigns/:campaignId/risk/settings': {
      params: { campaignId: boardId },
      body: { rules: { fastTap: { threshold: 500 } } },
      authorization: asHost,
    },
    'GET /api/public/campaigns': { query: { limit: '5' } },
    'GET /api/public/campaigns/:campaignId': { params: { campaignId: boardId } },
    'GET /api/campaigns/:campaignId/audit': {
      params: { campaignId },
      query: { limit: '5' },
      authorization: asHost,
    },
    'GET /api/audit': { query: { limit: '5' }, authorization: asAdmin },
    'GET /screen/:campaignId': { params: { campaignId: boardId } },
    'GET /api/screens/:campaignId': { params: { campaignId: boardId } },
    'GET /api/screens/:campaignId/join-code': { params: { campaignId: boardId } },
    'POST /api/campaigns/:campaignId/screen-token': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/screen-token/revoke': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/reveal': { params: { campaignId: endedId }, authorization: asHost },
    'PUT /api/campaigns/:campaignId/screen': {
      params: { campaignId: boardId },
      body: { window: 'week' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/monitor': { params: { campaignId: boardId }, authorization: asHost },
    'GET /api/campaigns/:campaignId/notifications': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/export/results.csv': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/export/ledger.csv': {
      params: { campaignId: boardId },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/entry-settings': { params: { campaignId: boardId } },
    'POST /api/campaigns/:campaignId/entry-images': {
      params: { campaignId: boardId },
      headers: { 'x-device-id': 'device-entrant' },
      upload: { field: 'image', bytes: entries.image, filename: 'photo.jpg', contentType: 'image/jpeg' },
      authorization: entries.asEntrant,
    },
    'POST /api/campaigns/:campaignId/entries': {
      params: { campaignId: boardId },
      headers: { 'x-device-id': 'device-entrant' },
      body: { title: '作品一号', text: '说明', imageIds: [entries.imageId] },
      authorization: entries.asEntrant,
    },
    'GET /api/me/entries': { query: { campaignId: boardId }, authorization: entries.asEntrant },
    'POST /api/me/entries/:entryId/withdraw': {
      params: { entryId: entries.withdrawEntryId },
      authorization: entries.asEntrant,
    },
    'GET /media/entries/:imageId': { params: { imageId: entries.imageId } },
    'PUT /api/campaigns/:campaignId/entry-settings': {
      params: { campaignId: boardId },
      body: {
        opensAt: '2026-01-01T00:00:00Z',
        closesAt: '2099-01-01T00:00:00Z',
        perParticipant: 20,
        text: 'optional',
        minImages: 0,
        maxImages: 3,
        approval: 'host',
      },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/entries': {
      params: { campaignId: boardId },
      query: { status: 'pending', limit: '10' },
      authorization: asHost,
    },
    'POST /api/campaigns/:campaignId/entries/decisions': {
      params: { campaignId: boardId },
      body: { entryIds: [entries.rejectEntryId], decision: 'reject', note: '与主题无关' },
      authorization: asHost,
    },
    'GET /api/campaigns/:campaignId/suggestions': { params: { campaignId: entries.boxId } },
    'GET /api/campaigns/:campaignId/suggestions/:entryId': {
      params: { campaignId: entries.boxId, entryId: entries.suggestionId },
    },
    'POST /api/campaigns/:campaignId/suggestions/:entryId/progress': {
      params: { campaignId: entries.boxId, entryId: entries.suggestionId },
      body: { status: 'under-study', reply: '收到，正在研究' },
      authorization: asHost,
    },
    'POST /api/admin/queue-session': { authorization: asAdmin },
    'GET /console': {},
  };
}
