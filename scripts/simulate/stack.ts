// A local instance of our own for the simulator: the WeChat fake, the server (behind a trusted
// "proxy", so X-Forwarded-For is the client's address) and the workers, each a process of its
// own, on services that are already up. Started as `npm start` and the benchmark start them.
import { Child } from '../bench/pipeline/children.js';
import { PATHS } from '../services/paths.js';
import { freePort } from '../services/process.js';
import { assertLocalServiceUri } from './target.js';

const FAKE_APP_ID = 'wxfake00000000000';
const FAKE_APP_SECRET = 'fake-app-secret';

export interface LocalStack {
  baseUrl: string;
  wechatUrl: string;
  stop(): Promise<void>;
  /** The last lines each process logged, for an error message. */
  tails(): string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, child: Child<never, { type: string }>, probe: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${what} exited during start-up:\n${child.tail()}`);
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not come up within 60 s:\n${child.tail()}`);
}

/**
 * Starts the fake, the server and the workers with `env` (which names the services, a key
 * prefix and a database of the run's own). Rate limits are left as `env` has them.
 * @param tag names the log files: .data/logs/simulate-<tag>-<process>.log
 */
export async function startLocalStack(
  env: Record<string, string | undefined>,
  tag: string,
): Promise<LocalStack> {
  for (const name of ['REDIS_URL', 'MONGODB_URI'] as const) {
    const uri = env[name];
    if (uri === undefined) throw new Error(`startLocalStack: ${name} must be set`);
    assertLocalServiceUri(uri, name);
  }
  const [fakePort, serverPort] = [await freePort(), await freePort()];
  const wechatUrl = `http://127.0.0.1:${fakePort}`;
  const baseUrl = `http://127.0.0.1:${serverPort}`;
  const processEnv = {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(serverPort),
    // Every request comes from this machine; the simulated client's address is the header's.
    TRUST_PROXY: 'loopback',
    WECHAT_API_BASE: wechatUrl,
    WECHAT_APP_ID: FAKE_APP_ID,
    WECHAT_APP_SECRET: FAKE_APP_SECRET,
    // The workers say they are ready at info.
    LOG_LEVEL: 'info',
  };
  const started: Child<never, { type: string }>[] = [];
  const stop = async () => {
    for (const child of started.reverse()) await child.stop();
  };
  const start = (name: string, entry: string) => {
    const child = new Child<never, { type: string }>({
      name,
      entry,
      env: processEnv,
      logFile: `${PATHS.logs}/simulate-${tag}-${name}.log`,
    });
    started.push(child);
    return child;
  };
  try {
    // The fake listens on the port of WECHAT_API_BASE (scripts/wechat-fake/main.ts).
    const fake = start('wechat-fake', 'scripts/wechat-fake/main.ts');
    await until('the WeChat fake', fake, async () => (await fetch(`${wechatUrl}/__fake/calls`)).ok);
    const server = start('server', 'server/src/main.ts');
    await until('the server', server, async () => (await fetch(`${baseUrl}/healthz`)).ok);
    const workers = start('workers', 'workers/src/main.ts');
    await until('the workers', workers, async () => workers.lines.some((l) => l.includes('workers started')));
    return {
      baseUrl,
      wechatUrl,
      stop,
      tails: () => started.map((c) => `[${c.options.name}]\n${c.tail(10)}`).join('\n'),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
