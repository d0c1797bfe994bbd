import { loadConfig } from '@rallyboard/core/config';
import type { TestProject } from 'vitest/node';
import { startServices, stopServices } from '../scripts/services/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    mongoUri: string;
  }
}

/**
 * Brings up the real services for the whole run with the same script as `npm run services`:
 * the local Redis and FerretDB unless REDIS_URL / MONGODB_URI name others. Services this run
 * started are stopped at the end; ones that were already running are left as they were.
 */
export default async function setup(project: TestProject) {
  const config = loadConfig();
  const statuses = await startServices(config);
  const down = statuses.filter((s) => !s.healthy);
  if (down.length > 0) {
    throw new Error(`services not healthy: ${down.map((s) => `${s.name} at ${s.url}`).join(', ')}`);
  }
  project.provide('redisUrl', config.redis.url);
  project.provide('mongoUri', config.mongo.uri);
  const startedHere = statuses.some((s) => s.started);
  return async () => {
    if (startedHere) await stopServices(config);
  };
}
