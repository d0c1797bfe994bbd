import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIPROGRAM_DIR } from '../../scripts/miniprogram/build.js';
import { contrast, parseColour, WHITE } from './support/colours.js';
import { contrastReport, MINIMUM, otherStyleSheets, sheet } from './support/contrast-report.js';

// WCAG 2.x (1.4.3, AA): text needs a contrast of at least 4.5:1 against what it is drawn on. The
// mini-program's colours are read from its WXSS, and what each piece of text is drawn on from the
// WXML nesting: an element's own background, else the nearest ancestor's, else the page's
// (app.wxss `page`), else white. Classes built from {{expressions}} are tried in each state they
// can take, so `vote-button {{liked ? 'liked' : ''}}` is checked both liked and not. What this
// test cannot read (a colour, a selector that sets one, a template) fails it, named.
const PAGES = join(MINIPROGRAM_DIR, 'pages');

describe("the mini-program's text", () => {
  it('has a contrast of at least 4.5:1 (WCAG 2.x) against the background it is drawn on', () => {
    const pages = readdirSync(PAGES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map(({ name }) => ({
        wxss: sheet(join(PAGES, name, 'index.wxss')),
        wxml: sheet(join(PAGES, name, 'index.wxml')),
      }));
    expect(pages.length).toBeGreaterThan(0);
    const { failures, checked } = contrastReport(sheet(join(MINIPROGRAM_DIR, 'app.wxss')), pages);
    const all = [...otherStyleSheets(), ...failures];
    expect(all, `below ${MINIMUM}:1 or not readable:\n${all.join('\n')}`).toEqual([]);
    expect(checked).toBeGreaterThan(pages.length);
  });
});

describe('the contrast check', () => {
  it('computes the WCAG 2.x ratio: 21 for black on white, about 4.48 for #777777 on white', () => {
    expect(contrast([0, 0, 0, 1], WHITE)).toBeCloseTo(21, 6);
    expect(contrast(WHITE, [0, 0, 0, 1])).toBeCloseTo(21, 6);
    expect(contrast(parseColour('#777777') ?? WHITE, WHITE)).toBeCloseTo(4.48, 2);
    expect(contrast(parseColour('#fff') ?? [0, 0, 0, 1], WHITE)).toBe(1);
    // Half-transparent black on white is painted as mid grey.
    const half = parseColour('rgba(0, 0, 0, 0.5)') ?? WHITE;
    expect(contrast(half, WHITE)).toBeCloseTo(contrast([127.5, 127.5, 127.5, 1], WHITE), 6);
    expect(parseColour('white')).toEqual(parseColour('#ffffff'));
    expect(parseColour('rgb(255 255 255)')).toEqual(parseColour('#FFF'));
    expect(parseColour('var(--ink)')).toBeUndefined();
  });

  it('finds a background through the WXML nesting and the states of a dynamic class, and names a colour it cannot read', () => {
    const app = { file: 'app.wxss', source: 'page { background: #f8fafc; color: #0f172a; }' };
    const page = {
      wxss: {
        file: 'pages/p/index.wxss',
        source:
          '.card { background: #000; } .x { color: #333; } .x.on { color: #fff; } .y { color: var(--ink); } .s-bad { color: #aaa; }',
      },
      wxml: {
        file: 'pages/p/index.wxml',
        source:
          '<view class="card"><block wx:if="{{a > b}}"><text class="x {{on ? \'on\' : \'\'}}">a</text></block></view><text class="y">b</text><text class="s s-{{k}}">c</text>',
      },
    };
    expect(contrastReport(app, [page]).failures).toEqual([
      'pages/p/index.wxss .s-bad: #aaa on #f8fafc = 2.22',
      'pages/p/index.wxss .x: #333 on #000000 = 1.66',
      'pages/p/index.wxss .y: colour "var(--ink)" cannot be read',
    ]);
  });
});
