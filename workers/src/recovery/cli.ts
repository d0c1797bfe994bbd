import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '@rallyboard/core/config';
import { boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
import { boardIdSchema } from '@rallyboard/core/protocol';
import { createVoteQueue } from '@rallyboard/core/queue';
import { closeRedis, createKeys, createRedis, waitForReady } from '@rallyboard/core/redis';
import { rebuild } from './rebuild.js';
import { type ReconcileReport, reconcile } from './reconcile.js';

const USAGE = `usage:
  npm run reconcile -- <boardId> [--json]   compare Redis with the ledger; exit 1 on drift
  npm run rebuild -- <boardId> [--json]     restore the board's Redis state from the ledger`;

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
  if (report.expiredDays.length > 0)
    lines.push(`  past retention, not compared: ${report.expiredDays.join(', ')}`);
  lines.push(
    report.ok ? 'no drift' : 'drift found: `npm run rebuild -- <boardId>` restores Redis from the ledger',
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  const [command, rawBoardId] = positionals;
  const boardId = boardIdSchema.safeParse(rawBoardId);
  if ((command !== 'reconcile' && command !== 'rebuild') || !boardId.success) {
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
  try {
    await Promise.all([waitForReady(redis), waitForReady(producer)]);
    const deps = { redis, keys, ledger: ledgerModel(mongo), boards: boardModel(mongo) };
    if (command === 'reconcile') {
      const report = await reconcile(deps, boardId.data);
      console.log(values.json ? JSON.stringify(report, null, 2) : describe(report));
      return report.ok ? 0 : 1;
    }
    const queue = createVoteQueue(producer, keys);
    try {
      const report = await rebuild(deps, boardId.data, {
        queue,
        settleTimeoutMs: config.recovery.settleTimeoutMs,
        dedupTtlSeconds: config.votes.dedupTtlSeconds,
        origin: `${hostname()}-${process.pid}-rebuild`,
        onStep: (step) => {
          if (!values.json) console.error(`rebuild ${boardId.data}: ${step}`);
        },
      });
      console.log(values.json ? JSON.stringify(report, null, 2) : `rebuilt: ${JSON.stringify(report)}`);
      const check = await reconcile(deps, boardId.data);
      if (!values.json) console.log(describe(check));
      return 0;
    } finally {
      await queue.close();
    }
  } finally {
    await Promise.all([closeRedis(redis), closeRedis(producer), mongo.close()]);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
