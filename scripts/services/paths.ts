import { fileURLToPath } from 'node:url';

/** The repository root; every path the service script writes is under it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const PATHS = {
  data: `${ROOT}.data`,
  run: `${ROOT}.data/run`,
  logs: `${ROOT}.data/logs`,
  redisData: `${ROOT}.data/redis`,
  redisClusterData: `${ROOT}.data/redis-cluster`,
  ferretData: `${ROOT}.data/ferretdb`,
  ferretState: `${ROOT}.data/ferretdb-state`,
  tools: `${ROOT}.tools`,
  toolsBin: `${ROOT}.tools/bin`,
  toolsSrc: `${ROOT}.tools/src`,
} as const;
