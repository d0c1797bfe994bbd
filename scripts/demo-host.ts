import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '@rallyboard/core/config';
import { connectMongo, createHost, hostModel } from '@rallyboard/core/db';
import { hashPassword, verifyPassword } from '@rallyboard/server/auth';
import { PATHS } from './services/paths.js';

/** Where the local demo host's sign-in is kept between runs (mode 0600, under the git-ignored .data/). */
const DEMO_HOST_FILE = `${PATHS.data}/demo-host.json`;
export const DEMO_HOST_USERNAME = 'demo';

export interface DemoHost {
  username: string;
  password: string;
}

/**
 * The host account `npm start` signs the console in with, on the local stack only: an admin named
 * `demo` with a random password, made on the first start and kept in `file`, so every start prints
 * the same sign-in. Its password is set again when the account and the file disagree (a new
 * database, or the file deleted); nothing else about other accounts changes.
 */
export async function ensureDemoHost(config: Config, file = DEMO_HOST_FILE): Promise<DemoHost> {
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoHost>) : {};
  const password =
    typeof kept.password === 'string' && kept.password.length >= 12
      ? kept.password
      : randomBytes(12).toString('base64url');
  const mongo = await connectMongo(config.mongo.uri, 'demo-host');
  try {
    const hosts = hostModel(mongo);
    const existing = await hosts.findOne({ username: DEMO_HOST_USERNAME }).lean();
    if (!existing) {
      await createHost(hosts, {
        username: DEMO_HOST_USERNAME,
        passwordHash: await hashPassword(password),
        role: 'admin',
      });
    } else if (!(await verifyPassword(password, existing.passwordHash))) {
      await hosts.updateOne({ _id: existing._id }, { $set: { passwordHash: await hashPassword(password) } });
    }
  } finally {
    await mongo.close();
  }
  const host = { username: DEMO_HOST_USERNAME, password };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(host)}\n`, { mode: 0o600 });
  return host;
}
