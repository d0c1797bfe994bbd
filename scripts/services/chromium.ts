import { existsSync } from 'node:fs';
import { aptInstall } from './apt.js';
import { run } from './process.js';

/** Debian's Chromium, which the browser tests and the screen benchmark drive with playwright-core. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium in a container or CI: no sandbox (we run as root there), and no
 * background traffic (updates, sync, component downloads) that a test would wait on or that
 * would reach the network.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** A font with Chinese glyphs: without one the screen's 中文 renders as empty boxes. */
async function hasCjkFont(): Promise<boolean> {
  const result = await run('fc-list', [':lang=zh', 'family']);
  return result.code === 0 && result.stdout.trim().length > 0;
}

async function installed(): Promise<boolean> {
  return existsSync(CHROMIUM_PATH) && (await hasCjkFont());
}

/**
 * Installs Debian's `chromium` and a CJK font (`fonts-noto-cjk`) with apt-get when either is
 * missing. Idempotent and quick when both are there. The browser is the distribution's, not one
 * Playwright downloads: it comes from the same mirrors as the rest of the system and is updated
 * with it.
 */
export async function ensureChromium(): Promise<string> {
  await aptInstall({
    packages: ['chromium', 'fonts-noto-cjk'],
    what: 'Chromium (with a CJK font)',
    fallback: 'install chromium and fonts-noto-cjk yourself',
    installed,
  });
  return CHROMIUM_PATH;
}
