import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIPROGRAM_DIR } from '../../scripts/miniprogram/build.js';

// What a screen reader (WeChat's 读屏) needs of every element a participant taps: a name, and a
// role where the element is not a button already. The console's pages are held to the same in
// Chromium; the mini-program's are read from their WXML.
const PAGES = join(MINIPROGRAM_DIR, 'pages');
const TAG = /<([a-z][\w-]*)(\s[^>]*?)?\/?>/gs;
const attribute = (attributes: string, name: string) =>
  new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attributes)?.[1];

/** Every element with a tap handler in the pages' WXML: its page, tag and attributes. */
function tappable(): { where: string; tag: string; attributes: string }[] {
  const found: { where: string; tag: string; attributes: string }[] = [];
  for (const page of readdirSync(PAGES)) {
    const wxml = readFileSync(join(PAGES, page, 'index.wxml'), 'utf8');
    for (const [, tag = '', attributes = ''] of wxml.matchAll(TAG)) {
      if (/(?:^|\s)(?:bind|catch):?tap=/.test(attributes))
        found.push({ where: `${page} <${tag}>`, tag, attributes });
    }
  }
  return found;
}

describe("the mini-program's tappable elements", () => {
  it('each have an accessible name, and a role unless they are buttons', () => {
    const elements = tappable();
    expect(elements.length).toBeGreaterThan(5);
    for (const { where, tag, attributes } of elements) {
      expect(attribute(attributes, 'aria-label')?.trim(), `${where} has no aria-label`).toBeTruthy();
      if (tag !== 'button')
        expect(attribute(attributes, 'aria-role'), `${where} has no aria-role`).toMatch(/^(button|link)$/);
    }
  });
});
