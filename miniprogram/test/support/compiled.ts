import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileMiniprogram } from '../../../scripts/miniprogram/build.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The mini-program compiled into a folder of its own, as the tests load it. Under
 * node_modules/.cache: there Node takes the compiled files as the CommonJS they are (the
 * repository's package.json says "module"), and still finds zod and socket.io-client.
 */
export async function compileForTest(): Promise<{ dir: string; files: string[]; remove(): Promise<void> }> {
  const cache = join(ROOT, 'node_modules/.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'rallyboard-miniprogram-'));
  const files = await compileMiniprogram(dir);
  return { dir, files, remove: () => rm(dir, { recursive: true, force: true }) };
}
