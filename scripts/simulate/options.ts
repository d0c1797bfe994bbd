// The simulator's command line: options, their checks and the help text.
import { parseArgs } from 'node:util';
import { parseAttacks, parseCrowds, SCENARIOS, scenarioNameSchema } from './scenario.js';
import { assertLocalServiceUri, localHttpUrl } from './target.js';

const HELP = `npm run simulate -- [options]

Labelled attack simulator: honest users and switchable attacks against a LOCAL instance only.

  --scenario <name>         small: ~30 s, 300 honest users; full: ~4 min, 3,000;
                            sweep (3 h) and sweep-small (1 h): realistic hours, meant
                            for npm run sweep (virtual time), slow in real time    (small)
  --seed <n>                the plan is a function of seed and scenario            (42)
  --attacks <a,b,…|all|none|default>
                            device-farm, ip-farm, proxy-rotation, scripted-timing,
                            burst, slow-drip, referral-ring, lockstep-cohort,
                            emulator-farm, referral-tree, adaptive, framing;
                            default: the scenario's (small, full: the first seven) (default)
  --crowds <a,b,…|all|none|default>
                            honest crowds: live-crowd, dense-campus, cgnat-city,
                            opening-rush, group-share;
                            default: the scenario's (small, full: none)           (default)
  --base-url <url>          a running local server (127.0.0.1, localhost or ::1);
                            without it, a local stack of our own is started
  --wechat-url <url>        the WeChat fake that server uses (with --base-url)
  --mongo-uri <uri>         that server's database (with --base-url; default MONGODB_URI)
  --out <dir>               where the JSON goes                                    (bench-results)
  --keep-data               keep the started stack's Redis keys and database
  --plan-only               print the plan's counts and exit

Exits 0 whatever the figures (a benchmark); 1 when the run itself fails; 2 on bad options.`;

/** A bad option: the simulator exits 2 with its message. */
export class UsageError extends Error {}

export function parseOptions() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'small' },
      seed: { type: 'string', default: '42' },
      attacks: { type: 'string', default: 'default' },
      crowds: { type: 'string', default: 'default' },
      'base-url': { type: 'string' },
      'wechat-url': { type: 'string' },
      'mongo-uri': { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      'keep-data': { type: 'boolean', default: false },
      'plan-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const scenario = scenarioNameSchema.safeParse(values.scenario);
  if (!scenario.success)
    throw new UsageError(`--scenario: ${scenarioNameSchema.options.join(', ')}, not "${values.scenario}"`);
  const { defaults } = SCENARIOS[scenario.data];
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new UsageError('--seed: a whole number 0-4294967295');
  let attacks: ReturnType<typeof parseAttacks>;
  let crowds: ReturnType<typeof parseCrowds>;
  try {
    attacks = parseAttacks(values.attacks, defaults.attacks);
  } catch (error) {
    throw new UsageError(`--attacks: ${(error as Error).message}`);
  }
  try {
    crowds = parseCrowds(values.crowds, defaults.crowds);
  } catch (error) {
    throw new UsageError(`--crowds: ${(error as Error).message}`);
  }
  const baseUrl = values['base-url'];
  if (baseUrl !== undefined && values['wechat-url'] === undefined) {
    throw new UsageError('--base-url needs --wechat-url: the WeChat fake that server signs in with');
  }
  // Refuse anything not local before anything else happens.
  if (baseUrl !== undefined) localHttpUrl(baseUrl, '--base-url');
  if (values['wechat-url'] !== undefined) localHttpUrl(values['wechat-url'], '--wechat-url');
  if (values['mongo-uri'] !== undefined) assertLocalServiceUri(values['mongo-uri'], '--mongo-uri');
  return {
    scenario: scenario.data,
    seed,
    attacks,
    crowds,
    baseUrl,
    wechatUrl: values['wechat-url'],
    mongoUri: values['mongo-uri'],
    out: values.out,
    keepData: values['keep-data'],
    planOnly: values['plan-only'],
  };
}

export type Options = ReturnType<typeof parseOptions>;
