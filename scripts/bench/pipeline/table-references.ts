// The printed table's references, measured in the same run on the same services: (c)
// redis-benchmark, (a) bare ingest, (d) raw socket.io fan-out, (b) bare workers, (e) the ledger alone.
import { cpu, format, type TableRows } from './format.js';
import type { Results } from './results.js';

const { int, ms, lat } = format;

export function references({ row, head }: TableRows, r: Results): void {
  head('References, same run, same services');
  if (r.redisBenchmark && 'runs' in r.redisBenchmark) {
    for (const run of r.redisBenchmark.runs) {
      const flag = (name: string) => {
        const i = run.args.indexOf(name);
        return i >= 0 ? ` ${name} ${run.args[i + 1]}` : '';
      };
      row(
        `redis-benchmark ZINCRBY${flag('-c')}${flag('-P')}`,
        `${int(run.requestsPerS)} req/s  p50 ${ms(run.p50Ms)}`,
      );
    }
  } else if (r.redisBenchmark) row('redis-benchmark ZINCRBY', `skipped: ${r.redisBenchmark.skipped}`);
  if (r.bareIngest) {
    row(
      `bare express + 1 queue.add, closed loop C=${String(r.options.concurrency)}`,
      `${int(r.bareIngest.acceptedPerS)} accepted/s  ${lat(r.bareIngest.latency)}  errors ${int(r.bareIngest.errors)}`,
    );
  }
  if (r.bareFanout) {
    const f = r.bareFanout;
    row(
      `raw socket.io fan-out, ${int(f.watchersConnected)} watchers, 1 update/s`,
      `${f.cpuPerDeliveryUs.toFixed(1)} µs server CPU per delivered update  ${lat(f.latency)}  RSS ${f.perThousandWatchers.rssMiB.toFixed(2)} MiB per 1,000; ${int(f.sawEvery)} saw all ${int(f.updates)}`,
    );
  }
  for (const bare of [r.bareWorker, r.bareWorkerDefault]) {
    if (!bare) continue;
    row(
      `bare BullMQ worker, 1 ZINCRBY/job, concurrency ${bare.concurrency}`,
      `${int(bare.perS)} jobs/s  (${int(bare.votes)} jobs in ${ms(bare.ms)})${bare.timedOut ? ' TIMED OUT' : ''}`,
    );
  }
  const ledger = r.bareLedger;
  if (ledger) {
    row(
      `the ledger alone, insertManys of ${int(ledger.batch)}, one at a time`,
      `${int(ledger.perS)} records/s  (${int(ledger.records)} in ${ms(ledger.ms)}; CPU s ${cpu(ledger.cpuS)})`,
    );
  }
}
