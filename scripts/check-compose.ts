// `npm run check:compose`: docker-compose.yml, alone and with its Redis Cluster variant
// (deploy/compose.redis-cluster.yml), must pass `docker compose config`, Compose's own
// validation. Machines here have the Docker client but no Compose plugin and no engine; then
// Docker Compose is built from the Go module proxy into .tools/bin (config needs no engine).
import { existsSync, mkdirSync } from 'node:fs';
import { buildGoModule } from './services/go-build.js';
import { PATHS, ROOT } from './services/paths.js';
import { run, ServiceError } from './services/process.js';

const COMPOSE_MODULE = 'github.com/docker/compose/v2';
const COMPOSE_VERSION = 'v2.40.3';
const LOCAL_COMPOSE = `${PATHS.toolsBin}/docker-compose`;

async function composeCommand(): Promise<[string, string[]]> {
  if ((await run('docker', ['compose', 'version'])).code === 0) return ['docker', ['compose']];
  const local = existsSync(LOCAL_COMPOSE) ? await run(LOCAL_COMPOSE, ['version']) : undefined;
  if (!local?.stdout.includes(COMPOSE_VERSION)) {
    console.error(
      `• docker compose is missing: building Docker Compose ${COMPOSE_VERSION} with go (a few minutes)…`,
    );
    mkdirSync(PATHS.toolsBin, { recursive: true });
    await buildGoModule({
      module: COMPOSE_MODULE,
      version: COMPOSE_VERSION,
      pkg: './cmd',
      output: LOCAL_COMPOSE,
      ldflags: `-s -w -X ${COMPOSE_MODULE}/internal.Version=${COMPOSE_VERSION}`,
      fallback: 'install the Docker Compose plugin',
    });
  }
  return [LOCAL_COMPOSE, []];
}

/** The files to check: the stack, and the stack with its Redis Cluster variant on top. */
const STACKS: readonly (readonly string[])[] = [
  ['docker-compose.yml'],
  ['docker-compose.yml', 'deploy/compose.redis-cluster.yml'],
];

try {
  const [command, pre] = await composeCommand();
  const version = await run(command, [...pre, 'version']);
  for (const files of STACKS) {
    // The file requires secrets from the environment; a placeholder lets the check read it.
    const check = await run(
      command,
      [...pre, '--project-directory', ROOT, ...files.flatMap((file) => ['-f', file]), 'config', '--quiet'],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: process.env.JWT_SECRET ?? 'x'.repeat(32) } },
    );
    if (check.code !== 0) {
      console.error(`✗ docker compose config rejected ${files.join(' + ')}:\n${check.stderr}`);
      process.exit(1);
    }
    console.log(`${files.join(' + ')} accepted by ${version.stdout.trim()}`);
  }
} catch (error) {
  console.error(error instanceof ServiceError ? `✗ ${error.message}` : error);
  process.exit(1);
}
