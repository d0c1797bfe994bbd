import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '@rallyboard/core/config';
import { archiveModels, boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
import { boardIdSchema } from '@rallyboard/core/protocol';
import { createVoteQueue, type VoteJob } from '@rallyboard/core/queue';
import { closeRedis, createKeys, createRedis, fenceIsHeld, waitForReady } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { RebuildIncomplete } from './fence.js';
import { rebuild } from './rebuild.js';
import { type ReconcileReport, type RecoveryDeps, reconcile } from './reconcile.js';
import { replayDeadLetters } from './replay.js';
import { replayUndecided, type UndecidedReport } from './undecided.js';

const USAGE = `usage:
  npm run reconcile -- <boardId> [--json] [--older-than <s>]
      compare Redis with the ledger; replay the board's dead-lettered votes and report votes
      queued longer than <s> seconds (default 60); exit 1 on drift or undecided votes
  npm run rebuild -- <boardId> [--json]     restore the board's Redis state and archives from the ledger;
      exit 3 when it failed once it had begun rewriting the board: the board stays fenced (its
      votes wait) until the rebuild, run again, finishes
  npm run replay -- <boardId>|--all [--json] send dead-lettered vote jobs back to the queue`;

function describe(report: ReconcileReport): string {
  const lines = [
    `board ${report.boardId}: ${report.ledgerRecords} ledger records, seq redis ${report.seq.redis} / ledger ${report.seq.ledger}`,
  ];
  for (const w of report.windows) {
    const mark = w.drift.length === 0 && w.total.redis === w.total.ledger ? 'ok   ' : 'DRIFT';
    lines.push(
      `  ${mark} ${w.window.padEnd(10)} total redis ${w.total.redis} / ledger ${w.total.ledger}, ${w.drift.length} member(s) differ`,
    );
    for (const d of w.drift.slice(0, 20)) {
      const redis = d.redis ? `${d.redis.count} (seq ${d.redis.seq})` : 'absent';
      lines.push(
        `          ${d.candidateId}: redis ${redis}, ledger ${d.ledger.count} (seq ${d.ledger.seq})`,
      );
    }
  }
  if (report.expired.length > 0) lines.push(`  past retention, not compared: ${report.expired.join(', ')}`);
  for (const a of report.archives) {
    const mark = a.drift.length === 0 && a.total.archive === a.total.ledger ? 'ok   ' : 'DRIFT';
    lines.push(
      `  ${mark} archive ${a.archive} total ${a.total.archive} / ledger ${a.total.ledger}, ${a.drift.length} member(s) differ`,
    );
  }
  lines.push(
    report.ok ? 'no drift' : 'drift found: `npm run rebuild -- <boardId>` restores Redis from the ledger',
  );
  return lines.join('\n');
}

function describeUndecided({ deadLettered, stuck, promoted }: UndecidedReport): string {
  if (deadLettered.jobs === 0 && stuck.jobs === 0) return 'no undecided votes';
  return [
    `undecided: ${deadLettered.votes} dead-lettered vote(s) in ${deadLettered.jobs} job(s), replayed`,
    `           ${stuck.votes} vote(s) in ${stuck.jobs} job(s) queued too long (oldest ${Math.round(stuck.oldestMs / 1000)} s), ${promoted} delayed job(s) run now`,
  ].join('\n');
}

type Deps = RecoveryDeps & { queue: Queue<VoteJob> };
type Options = { json: boolean; olderThanMs: number };

async function runReconcile(deps: Deps, boardId: string, options: Options): Promise<number> {
  const report = await reconcile(deps, boardId);
  const undecided = await replayUndecided(deps, boardId, { olderThanMs: options.olderThanMs });
  console.log(
    options.json
      ? JSON.stringify({ ...report, undecided }, null, 2)
      : `${describe(report)}\n${describeUndecided(undecided)}`,
  );
  const settled = undecided.deadLettered.jobs === 0 && undecided.stuck.jobs === 0;
  // A rebuild that failed part-way left the board fenced: its votes wait until one finishes.
  const halfRestored = await fenceIsHeld(deps.redis, deps.keys, boardId);
  if (halfRestored) {
    console.error(
      `board ${boardId} is fenced by a rebuild that did not finish: its votes wait; run \`npm run rebuild -- ${boardId}\``,
    );
  }
  return report.ok && settled && !halfRestored ? 0 : 1;
}

async function runRebuild(deps: Deps, boardId: string, options: Options): Promise<number> {
  const config = loadConfig();
  const report = await rebuild(deps, boardId, {
    queue: deps.queue,
    settleTimeoutMs: config.recovery.settleTimeoutMs,
    dedupTtlSeconds: config.votes.dedupTtlSeconds,
    origin: `${hostname()}-${process.pid}-rebuild`,
    onStep: (step) => {
      if (!options.json) console.error(`rebuild ${boardId}: ${step}`);
    },
  });
  console.log(options.json ? JSON.stringify(report, null, 2) : `rebuilt: ${JSON.stringify(report)}`);
  const check = await reconcile(deps, boardId);
  if (!options.json) console.log(describe(check));
  return 0;
}

async function runReplay(deps: Deps, boardId: string | undefined, options: Options): Promise<number> {
  const report = await replayDeadLetters(deps, boardId);
  console.log(
    options.json
      ? JSON.stringify(report, null, 2)
      : `replayed ${report.votes} vote(s) in ${report.jobs} dead-lettered job(s)${Object.entries(
          report.boards,
        )
          .map(([board, votes]) => `\n  ${board}: ${votes}`)
          .join('')}`,
  );
  return 0;
}

/** The command and its board, or undefined when the arguments make no sense. */
function parse(): { command: string; boardId: string | undefined; options: Options } | undefined {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      'older-than': { type: 'string', default: '60' },
    },
  });
  const [command, rawBoardId] = positionals;
  const olderThanS = Number(values['older-than']);
  if (!Number.isFinite(olderThanS) || olderThanS < 0) return undefined;
  const options = { json: values.json, olderThanMs: olderThanS * 1000 };
  if (command === 'replay' && values.all && rawBoardId === undefined) {
    return { command, boardId: undefined, options };
  }
  const boardId = boardIdSchema.safeParse(rawBoardId);
  if (!['reconcile', 'rebuild', 'replay'].includes(command ?? '') || !boardId.success || values.all) {
    return undefined;
  }
  return { command: command as string, boardId: boardId.data, options };
}

async function main(): Promise<number> {
  const args = parse();
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const keys = createKeys(config.keyPrefix);
  const redis = createRedis(config.redis.url, 'command', 'recovery');
  const producer = createRedis(config.redis.url, 'producer', 'recovery');
  redis.on('error', () => {});
  producer.on('error', () => {});
  const mongo = await connectMongo(config.mongo.uri, 'recovery');
  // Ready before the queue sends its first command: a producer never queues commands offline,
  // and a Redis Cluster is not ready until it has learned its slots.
  await Promise.all([waitForReady(redis), waitForReady(producer)]);
  const queue = createVoteQueue(producer, keys);
  queue.on('error', () => {});
  try {
    const deps = {
      redis,
      keys,
      ledger: ledgerModel(mongo),
      boards: boardModel(mongo),
      archives: archiveModels(mongo),
      queue,
    };
    const { command, boardId, options } = args;
    if (command === 'replay') return await runReplay(deps, boardId, options);
    if (boardId === undefined) return 2;
    if (command === 'reconcile') return await runReconcile(deps, boardId, options);
    return await runRebuild(deps, boardId, options);
  } finally {
    await queue.close();
    await Promise.all([closeRedis(redis), closeRedis(producer), mongo.close()]);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`failed: ${error instanceof Error ? error.message : String(error)}`);
    // 3: the board is left fenced, half restored, and the rebuild must be run again.
    process.exit(error instanceof RebuildIncomplete ? 3 : 2);
  },
);
