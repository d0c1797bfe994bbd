// Runs before `npm start` and `npm test` (npm's pre-scripts) so that both work in a fresh clone.
// Plain Node, no dependencies: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`✗ Rallyboard needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

const lock = `${root}package-lock.json`;
const stamp = `${root}node_modules/.rallyboard-lock-sha256`;
const want = existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'no-lock';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : undefined;

if (have !== want) {
  const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  console.error(`• installing dependencies (npm ${args[0]})…`);
  const result = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(
      `✗ npm ${args[0]} failed (exit ${result.status}). Check network access to the npm registry.`,
    );
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `${want}\n`);
}
