import type { TestProject } from 'vitest/node';
import { setUpRun } from './global-setup.js';

/** The cluster tier's services: the local Redis Cluster (3 masters) and the usual MongoDB. */
export default function setup(project: TestProject) {
  return setUpRun(project, { redisCluster: true });
}
