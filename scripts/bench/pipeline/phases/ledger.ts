// Reference (e): the vote ledger alone. Every vote the workers decide is on the ledger before its
// job completes (apply-votes.ts), written by group commit, one insertMany at a time. This writes
// as many records, shaped as a live drain's counted votes, in batches of LEDGER_BATCH_MAX, one at
// a time, with nothing else running: what the system of record takes on these cores, and so the
// most any drain of ours could reach here, however little the rest of it cost.
import { type LedgerVote, ledgerModel, recordEachVote } from '@rallyboard/core/db';
import { BOARDS, type Ctx, cpuSnapshot, log } from '../context.js';
import { format as fmt } from '../format.js';

/** A counted vote of the drain's, as the workers record it: its context, its change and seq. */
function record(ctx: Ctx, i: number, runAt: number): LedgerVote {
  const voter = i % ctx.crowd.voters.length;
  const person = ctx.crowd.voters[voter];
  if (!person) throw new Error('bare ledger: no crowd');
  const { ip, deviceId, fingerprint, userAgent } = person;
  const at = new Date(runAt + i);
  return {
    _id: `bench-ledger-${runAt.toString(36)}-${i}`,
    boardId: BOARDS.single,
    candidateId: ctx.candidates[i % ctx.candidates.length] ?? 'c01',
    action: 'vote',
    voterId: `bench-p${voter}`,
    verdict: 'counted',
    delta: 1,
    seq: i + 1,
    day: at.toISOString().slice(0, 10),
    acceptedAt: at,
    decidedAt: at,
    context: { ip, deviceId, fingerprint, userAgent, dwellMs: 1_000 + (i % 9_000) },
  };
}

export async function phaseBareLedger(ctx: Ctx): Promise<void> {
  const records = ctx.options.prefill;
  const batch = ctx.config.worker.ledgerBatchMax;
  // A database of its own: the later phases' ledger does not start with these records.
  const db = ctx.mongo.useDb(`${ctx.prefix}ledger`, { useCache: false });
  const model = ledgerModel(db);
  try {
    await model.init();
    log(`bare ledger: ${fmt.int(records)} records in insertManys of ${fmt.int(batch)}, one at a time`);
    const runAt = Date.now();
    const cpu = cpuSnapshot({ ferretdb: ctx.pids.ferretdb, bench: process.pid });
    const started = performance.now();
    for (let from = 0; from < records; from += batch) {
      const size = Math.min(batch, records - from);
      const refused = await recordEachVote(
        model,
        Array.from({ length: size }, (_, j) => record(ctx, from + j, runAt)),
      );
      const written = refused.filter((error) => error === undefined).length;
      if (written !== size) throw new Error(`bare ledger: ${written} of ${size} records written`);
    }
    const ms = performance.now() - started;
    ctx.results.bareLedger = { records, batch, ms, perS: (records / ms) * 1000, cpuS: cpu() };
    log(`  → ${fmt.int(ctx.results.bareLedger.perS)} records/s`);
  } finally {
    // As the run's own database: kept with --keep-data; a failed drop must not hide the phase's error.
    if (!ctx.options.keepData) await db.dropDatabase().catch(() => undefined);
  }
}
