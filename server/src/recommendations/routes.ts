import {
  recommendationSettingsSchema,
  recommendationsQuerySchema,
  recommendationsSchema,
} from '@rallyboard/core/protocol';
import { type KeyBuilder, type RedisClient, setPersonalized } from '@rallyboard/core/redis';
import { Router } from 'express';
import type { Api } from '../http/api.js';
import { whenAvailable } from '../lib/when-available.js';
import type { Recommender } from './service.js';

export interface RecommendationRouteDeps {
  api: Api;
  recommend: Recommender;
  redis: RedisClient;
  keys: Pick<KeyBuilder, 'interests'>;
}

/** 猜你喜欢: what a participant's counted likes suggest they would like next. */
export function recommendationsRouter(deps: RecommendationRouteDeps): Router {
  const router = Router();
  deps.api.route(
    router,
    {
      method: 'get',
      path: '/api/me/recommendations',
      tag: 'Recommendations',
      summary: 'Candidates and campaigns I have not voted for or liked yet, by my interests (猜你喜欢)',
      description:
        'My counted likes teach interest weights per tag (decayed, half-life two weeks). Open public ' +
        "campaigns' candidates are ranked by how their tags weigh, then by counted votes; with no " +
        'interests yet, the popular ones.',
      auth: 'participant',
      query: recommendationsQuerySchema,
      responses: { 200: { description: 'The recommendations.', schema: recommendationsSchema } },
    },
    async ({ auth, query }, _req, res) => {
      res
        .set('Cache-Control', 'no-store')
        .json(await whenAvailable(() => deps.recommend(auth.participantId, query.limit)));
    },
  );
  deps.api.route(
    router,
    {
      method: 'put',
      path: '/api/me/recommendation-settings',
      tag: 'Recommendations',
      summary: 'Turn personalised recommendations on or off',
      description:
        'Off: the interests my likes taught are deleted, no like teaches any, and 猜你喜欢 shows the popular ' +
        'ones only (算法推荐管理规定 第十七条: a way to turn off recommendations built on personal traits).',
      auth: 'participant',
      body: recommendationSettingsSchema,
      responses: { 204: { description: 'Set.' } },
    },
    async ({ auth, body }, _req, res) => {
      await whenAvailable(() =>
        setPersonalized(deps.redis, deps.keys, auth.participantId, body.personalized),
      );
      res.status(204).end();
    },
  );
  return router;
}
