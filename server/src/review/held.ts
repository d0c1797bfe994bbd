import type { LedgerVote } from '@rallyboard/core/db';
import type { HeldGroup, HeldVote, ReviewAction } from '@rallyboard/core/protocol';
import type { ReviewJob, ReviewJobResult } from '@rallyboard/core/queue';
import { clusterLabel } from '@rallyboard/core/risk';
import type { Job, Queue } from 'bullmq';

/** A held vote as the review queue lists it. */
export function heldVoteOf(record: LedgerVote): HeldVote {
  return {
    voteId: record._id,
    candidateId: record.candidateId,
    action: record.action,
    ...(record.voterId ? { voterId: record.voterId } : {}),
    acceptedAt: record.acceptedAt.toISOString(),
    counted: record.verdict === 'counted',
    ...(record.context?.ip ? { ip: record.context.ip } : {}),
    ...(record.context?.deviceId ? { deviceId: record.context.deviceId } : {}),
    ...(record.context?.fingerprint ? { fingerprint: record.context.fingerprint } : {}),
    score: record.risk?.score ?? 0,
    reasons: record.risk?.reasons ?? [],
    clusters: [...(record.risk?.clusters ?? []), ...(record.review?.cluster ? [record.review.cluster] : [])],
  };
}

/**
 * Groups held votes by rule or by cluster, biggest group first, reading them one at a time (a
 * cursor): what is kept is per group (its voters and candidates), never the votes themselves.
 */
export async function groupHeld(
  records: AsyncIterable<LedgerVote>,
  by: 'reason' | 'cluster',
): Promise<{
  groups: HeldGroup[];
  read: number;
}> {
  const groups = new Map<
    string,
    { votes: number; voters: Set<string>; candidates: Map<string, number>; label: string }
  >();
  let read = 0;
  for await (const record of records) {
    read++;
    const vote = heldVoteOf(record);
    const keys = by === 'reason' ? vote.reasons.map((r) => r.rule as string) : vote.clusters;
    for (const key of keys.length > 0 ? keys : ['(none)']) {
      let group = groups.get(key);
      if (!group) {
        const sample = vote.reasons.find((r) => r.rule === key);
        const label = by === 'reason' ? (sample?.text ?? key) : clusterLabel(key);
        group = { votes: 0, voters: new Set(), candidates: new Map(), label };
        groups.set(key, group);
      }
      group.votes++;
      if (vote.voterId) group.voters.add(vote.voterId);
      group.candidates.set(vote.candidateId, (group.candidates.get(vote.candidateId) ?? 0) + 1);
    }
  }
  const sorted = [...groups]
    .map(([key, g]) => ({
      key,
      label: g.label,
      votes: g.votes,
      voters: g.voters.size,
      candidates: [...g.candidates]
        .map(([candidateId, n]) => ({ candidateId, votes: n }))
        .sort((a, b) => b.votes - a.votes),
    }))
    .sort((a, b) => b.votes - a.votes || a.key.localeCompare(b.key));
  return { groups: sorted, read };
}

/** A review job as the console follows it. */
export function actionView(job: Job<ReviewJob, ReviewJobResult>, state: string): ReviewAction {
  const progress = (typeof job.progress === 'object' ? job.progress : {}) as Partial<
    ReviewJobResult & { progress: number }
  >;
  const result = job.returnvalue ?? undefined;
  const done = state === 'completed';
  return {
    id: String(job.id),
    kind: job.data.kind,
    state: done ? 'done' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued',
    matched: result?.matched ?? progress.matched ?? 0,
    changed: result?.changed ?? progress.changed ?? 0,
    unchanged: result?.unchanged ?? progress.unchanged ?? 0,
    progress: done ? 1 : (progress.progress ?? 0),
    ...(job.failedReason && state === 'failed' ? { error: job.failedReason } : {}),
    requestedBy: job.data.by,
    requestedAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
}

/**
 * An action as it stands now, from a job read a moment ago. The state is a second read: when it
 * says the job finished after the snapshot was taken (no finishedOn in it), the job is read
 * again, so a finished action is never answered with the counts it had before it ran.
 */
export async function currentActionView(
  queue: Pick<Queue<ReviewJob, ReviewJobResult>, 'getJob'>,
  job: Job<ReviewJob, ReviewJobResult>,
): Promise<ReviewAction> {
  const state = await job.getState();
  const finished = state === 'completed' || state === 'failed';
  const current = finished && job.finishedOn === undefined ? await queue.getJob(String(job.id)) : job;
  return actionView(current ?? job, state);
}
