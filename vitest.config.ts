import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests run the workspace packages' TypeScript sources, never a stale dist/. The aliases are
 * read from each package's own `exports` (its `rallyboard-source` targets), so they cannot drift
 * from what tsx and the type checker resolve. Aliases rather than resolve.conditions: Vitest
 * loads the global setup in an environment that ignores custom conditions.
 */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const workspaceAliases = (name: string, folder: string) => {
  const root = new URL(folder, import.meta.url);
  const exportsMap = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).exports as Record<
    string,
    Record<string, string>
  >;
  return Object.entries(exportsMap).map(([subpath, targets]) => {
    const source = targets['rallyboard-source'];
    if (!source) throw new Error(`${name} export ${subpath} has no rallyboard-source target`);
    return {
      find: new RegExp(`^${escapeRegExp(`${name}${subpath.slice(1)}`)}$`),
      replacement: fileURLToPath(new URL(source, root)),
    };
  });
};
const alias = [
  ...workspaceAliases('@rallyboard/core', './packages/core/'),
  ...workspaceAliases('@rallyboard/server', './server/'),
  ...workspaceAliases('@rallyboard/workers', './workers/'),
];

export default defineConfig({
  resolve: { alias },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'server/test/**/*.test.ts',
      'workers/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'test/**/*.test.ts',
      'miniprogram/test/**/*.test.ts',
      'web/test/**/*.test.ts',
    ],
    // Minutes-long fault tests: their own tier, `npm run test:slow` (vitest.slow.config.ts).
    // What only a Redis Cluster shows: the cluster tier, `npm run test:cluster`.
    exclude: [...configDefaults.exclude, 'test/slow/**', 'test/cluster/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: more files at once only makes them wait on each other.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
