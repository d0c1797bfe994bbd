// `npm run sweep -- [options]`: the risk rules over many parameter draws, in virtual time (see
// docs/simulator.md, "Sweeps"). Tune on `--split tuning`; report `--split heldout`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@rallyboard/core/config';
import { closeRedis, createRedis, defineScripts, waitForReady } from '@rallyboard/core/redis';
import { DEFAULT_RISK_SETTINGS, resolveRiskSettings } from '@rallyboard/core/risk';
import { startServices } from '../../services/index.js';
import { scenarioNameSchema } from '../scenario.js';
import { diagnose, renderDiagnosis } from './diagnose.js';
import { gateLimitsOf } from './gates.js';
import { renderSweep } from './render.js';
import { runSweep, SPLITS, type Split, sweepDraw } from './sweep.js';

const HELP = `npm run sweep -- [options]

Replays many plans (seeds × parameter draws) through the real measurement script and the
default risk rules in virtual time, and reports per attack and per honest population the mean
and the worst case. Local Redis only (started like npm start's).

  --split tuning|heldout    which seeds: tune on one, report the other       (heldout)
  --draws <n>               how many seeds of the split                       (12)
  --scenario <name>         the preset the knobs are drawn around             (sweep)
  --out <dir>               where the JSON goes                               (bench-results)
  --diagnose                after each draw, the rules on the votes that went wrong
  --settings <file.json>    a risk settings change over the defaults, as a host's PATCH
  --fixed                   the preset's own knobs, not drawn (only the seed varies)
  --seeds <a,b,…>           these seeds instead of the split's (to look at one draw again)

Exits 0 whatever the figures, 1 when the run fails, 2 on bad options.`;

function options() {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'heldout' },
      draws: { type: 'string', default: '12' },
      scenario: { type: 'string', default: 'sweep' },
      out: { type: 'string', default: 'bench-results' },
      diagnose: { type: 'boolean', default: false },
      settings: { type: 'string' },
      fixed: { type: 'boolean', default: false },
      seeds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (!(SPLITS as readonly string[]).includes(values.split)) throw new Error('--split: tuning or heldout');
  const draws = Number(values.draws);
  if (!Number.isInteger(draws) || draws < 1 || draws > 1_000)
    throw new Error('--draws: a whole number 1-1000');
  const preset = scenarioNameSchema.safeParse(values.scenario);
  if (!preset.success) throw new Error(`--scenario: one of ${scenarioNameSchema.options.join(', ')}`);
  return {
    split: values.split as Split,
    draws,
    preset: preset.data,
    out: values.out,
    diagnose: values.diagnose,
    settings: values.settings,
    fixed: values.fixed,
    seeds: values.seeds?.split(',').map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 0) throw new Error('--seeds: whole numbers, comma-separated');
      return n;
    }),
  };
}

async function main(): Promise<void> {
  let o: ReturnType<typeof options>;
  try {
    o = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  const config = loadConfig();
  const services = await startServices(config);
  if (services.some((s) => !s.healthy)) throw new Error('Redis is not healthy (npm run services -- status)');
  const redis = createRedis(config.redis.url, 'command', 'sweep');
  await waitForReady(redis);
  defineScripts(redis);
  try {
    const started = Date.now();
    const result = await runSweep({
      redis,
      settings: o.settings
        ? resolveRiskSettings(JSON.parse(readFileSync(o.settings, 'utf8')))
        : DEFAULT_RISK_SETTINGS,
      limits: gateLimitsOf(config),
      preset: o.preset,
      split: o.split,
      draws: o.draws,
      ...(o.seeds ? { seeds: o.seeds } : {}),
      draw: o.fixed ? (base) => base : sweepDraw,
      onDraw: (d, ms, fates) => {
        console.log(
          `seed ${d.seed}: recall ${(100 * d.overallRecall).toFixed(1)}%, honest FP ${(100 * d.honestFalsePositives).toFixed(2)}% (${(ms / 1000).toFixed(1)} s)`,
        );
        if (o.diagnose) console.log(renderDiagnosis(diagnose(fates)));
      },
    });
    console.log(renderSweep(result));
    mkdirSync(o.out, { recursive: true });
    const file = join(
      o.out,
      `sweep-${o.preset}-${o.split}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(file, `${JSON.stringify({ ...result, ms: Date.now() - started }, null, 2)}\n`);
    console.log(`\nwrote ${file}`);
  } finally {
    await closeRedis(redis);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
