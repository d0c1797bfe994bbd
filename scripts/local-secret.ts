import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type Env, loadConfig, requireTokenSecrets } from '@rallyboard/core/config';
import { PATHS } from './services/paths.js';

/** Where the local stack's token secret is kept between runs (mode 0600, under the git-ignored .data/). */
const LOCAL_SECRET_FILE = `${PATHS.data}/jwt-secret`;

/** Whether the config module would take `secret` anywhere, not only in development on loopback. */
function strongEnough(secret: string): boolean {
  try {
    requireTokenSecrets(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }));
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

/**
 * The environment of the local stack (`npm start`, `npm run seed`): `env` with a JWT_SECRET. One
 * given is kept as it is; otherwise a random secret (`openssl rand -base64 48`'s equal) is made on
 * the first start and kept in `file`, so the server and workers never sign with the public
 * default and every start (and `npm run seed`) signs tokens the running server accepts.
 * @param file @default .data/jwt-secret
 */
export function localStackEnv(env: Env, file = LOCAL_SECRET_FILE): Env {
  if (env.JWT_SECRET?.trim()) return env;
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  const secret = kept && strongEnough(kept) ? kept : randomBytes(48).toString('base64');
  if (secret !== kept) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { ...env, JWT_SECRET: secret };
}
