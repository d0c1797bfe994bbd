import type { RedisClient } from './connection.js';
import type { RiskKeys } from './risk-keys.js';
import { runScript } from './scripts.js';

/** One cluster's members recorded in a batch, and the acceptance times whose stops are read. */
export interface ClusterMembersWrite {
  cluster: string;
  /** Its known zset is read over [knownFrom, knownTo] (acceptance times). */
  knownFrom: number;
  knownTo: number;
  /** In the order they are added; each drops its set's members accepted before `pruneBelow`, if given. */
  members: { acceptedAt: number; member: string; pruneBelow: number | undefined; keepMs: number }[];
}

/**
 * Records a batch's cluster members on one board and reads when each cluster was known
 * (recordClusterMembers-1+.lua): one call, all keys under the board's hash tag.
 * @param since the members-since value, set only if absent
 * @returns per write, in order, the acceptance times of its cluster's stops in its range
 */
export async function recordClusterMembers(
  redis: RedisClient,
  keys: RiskKeys,
  since: number,
  writes: readonly ClusterMembersWrite[],
): Promise<number[][]> {
  const scriptKeys = [keys.membersSince];
  const args: (string | number)[] = [String(since)];
  for (const { cluster, knownFrom, knownTo, members } of writes) {
    scriptKeys.push(keys.clusterMembers(cluster), keys.clusterKnown(cluster));
    args.push(knownFrom, knownTo, members.length);
    for (const { acceptedAt, member, pruneBelow, keepMs } of members) {
      args.push(acceptedAt, member, pruneBelow === undefined ? '' : pruneBelow, keepMs);
    }
  }
  const answers = await runScript(redis, 'recordClusterMembers', scriptKeys, args);
  return writes.map((_, c) => stopTimes(Array.isArray(answers) ? answers[c] : undefined));
}

/** The acceptance times of a cluster's stops, from its known zset's `… WITHSCORES` answer. */
function stopTimes(reply: unknown): number[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter((_, i) => i % 2 === 1).map(Number);
}
