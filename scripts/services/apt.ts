import { onPath, run, ServiceError } from './process.js';

export interface AptInstall {
  /** Debian packages to install, e.g. ['redis-server']. */
  packages: readonly string[];
  /** What is missing, for the messages, e.g. 'redis-server'. */
  what: string;
  /** What the user can do instead, should installing fail, e.g. 'set REDIS_URL to a Redis you run'. */
  fallback: string;
  /** Whether the install worked; checked after apt-get, since its exit code alone can mislead. */
  installed: () => Promise<boolean>;
}

/** One apt-get at a time per process: dpkg holds a lock, and a second run would fail on it. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Installs Debian packages with apt-get (as root, or through passwordless sudo), non-interactively
 * and without recommends. Runs `apt-get update` first: a fresh container has no package lists.
 * Throws a ServiceError saying what to do when there is no way to become root or the install fails.
 */
export function aptInstall(spec: AptInstall): Promise<void> {
  const next = queue.then(() => install(spec));
  queue = next.catch(() => {});
  return next;
}

async function install(spec: AptInstall): Promise<void> {
  if (await spec.installed()) return;
  const asRoot = process.getuid?.() === 0;
  const list = spec.packages.join(' ');
  if (!asRoot && !(await onPath('sudo'))) {
    throw new ServiceError(
      `${spec.what} is not installed, and installing it needs root.`,
      `Install Debian's package (sudo apt-get install ${list}), or ${spec.fallback}.`,
    );
  }
  const [cmd, ...pre] = asRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.error(`• ${spec.what} is missing: installing Debian's ${list} (apt-get)…`);
  const update = await run(cmd ?? 'apt-get', [...pre, 'update'], { env });
  const result = await run(
    cmd ?? 'apt-get',
    [...pre, 'install', '-y', '--no-install-recommends', ...spec.packages],
    {
      env,
    },
  );
  if (result.code !== 0 || !(await spec.installed())) {
    throw new ServiceError(
      `Installing ${list} with apt-get failed (update exit ${update.code}, install exit ${result.code}):\n${result.stderr.trim().split('\n').slice(-5).join('\n')}`,
      `Check that Debian's package mirrors are reachable, or ${spec.fallback}.`,
    );
  }
}
