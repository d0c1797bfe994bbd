import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The slow tier (`npm run test:slow`, run by CI after `npm test`): the same setup as the suite,
 * with only the tests that take minutes by design (a 3-minute MongoDB outage).
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/slow/**/*.test.ts'], exclude: configDefaults.exclude },
});
