// What each piece of the mini-program's text is drawn in and on, and which fall short (contrast.test.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { MINIPROGRAM_DIR } from '../../../scripts/miniprogram/build.js';
import { contrast, over, parseColour, type Rgba, showRatio, toHex, WHITE } from './colours.js';
import { backgroundColour, type Element, parseWxml, parseWxss, type Rule, wordOptions } from './wx-styles.js';

/** WCAG 2.x (1.4.3, AA): the least contrast text needs against what it is drawn on. */
export const MINIMUM = 4.5;

interface Sheet {
  /** Relative to the mini-program folder, e.g. pages/ranking/index.wxss. */
  file: string;
  source: string;
}
interface Page {
  wxss: Sheet;
  wxml: Sheet;
}
interface Paint {
  colour: Rgba;
  /** The rule the colour comes from (none: the default black), and its value as written. */
  from: { rule: Rule | undefined; value: string };
  background: Rgba;
}

/** Every text colour against every background it is drawn on: the pairs below 4.5:1, and how many were checked. */
export function contrastReport(app: Sheet, pages: Page[]): { failures: string[]; checked: number } {
  const problems = new Set<string>();
  const failures = new Set<string>();
  const checked = new Set<string>();
  const appRules = parseWxss(app.file, app.source, 0, problems);
  /** Each colour rule, with the page background it falls back to; and the rules some text was found in. */
  const colourRules = new Map<Rule, Rgba>();
  const drawn = new Set<Rule>();

  const check = (paint: Paint) => {
    const { rule, value } = paint.from;
    const ratio = contrast(paint.colour, paint.background);
    const pair = `${rule ? `${rule.file} ${rule.selector}` : '(default colour)'}: ${value} on ${toHex(paint.background)} = ${showRatio(ratio)}`;
    checked.add(pair);
    if (rule) drawn.add(rule);
    if (ratio < MINIMUM) failures.add(pair);
  };
  const colourOf = (rule: Rule, value: string) => {
    const colour = parseColour(value);
    if (!colour) problems.add(`${rule.file} ${rule.selector}: colour "${value}" cannot be read`);
    return colour;
  };
  const backgroundOf = (rule: Rule, value: string) => {
    const colour = backgroundColour(value);
    if (!colour) problems.add(`${rule.file} ${rule.selector}: background "${value}" cannot be read`);
    return colour;
  };
  /** The rule whose `property` wins the cascade: !important, then specificity, then source order. */
  const winner = (rules: Rule[], property: 'color' | 'background') =>
    rules
      .filter((r) => r[property])
      .map((r) => ({ r, weight: (r[property]?.important ? 1e9 : 0) + r.specificity * 1e4 + r.order }))
      .sort((a, b) => b.weight - a.weight)[0]?.r;

  for (const page of pages) {
    const rules = [...appRules, ...parseWxss(page.wxss.file, page.wxss.source, appRules.length, problems)];
    const known = [...new Set(rules.flatMap((r) => r.classes))];

    // The page itself: `page { … }` (app.wxss or the page's own), else black on white.
    const pageRules = rules.filter((r) => r.tag === 'page' && r.classes.length === 0 && !r.state);
    const pageColour = winner(pageRules, 'color');
    const pageBackground = winner(pageRules, 'background');
    const pageFill =
      pageBackground?.background && backgroundOf(pageBackground, pageBackground.background.value);
    const root: Paint = {
      colour: (pageColour?.color && colourOf(pageColour, pageColour.color.value)) || [0, 0, 0, 1],
      from: { rule: pageColour, value: pageColour?.color?.value ?? '#000000' },
      background: over(pageFill || WHITE, WHITE),
    };
    for (const rule of rules) if (rule.color && rule.tag !== 'page') colourRules.set(rule, root.background);

    const matches = (rule: Rule, tag: string, classes: Set<string>, state: string) =>
      rule.tag !== 'page' &&
      (!rule.tag || rule.tag === tag) &&
      rule.classes.every((c) => classes.has(c)) &&
      (!rule.state || rule.state === state);

    const walk = (element: Element, paint: Paint) => {
      const paints = new Map<string, Paint>();
      if (element.tag === 'block') {
        // Not drawn: its text and children are its parent's.
        if (element.text) check(paint);
        paints.set('', paint);
      } else {
        let classLists: string[][] = [[]];
        for (const word of element.classWords) {
          const options = wordOptions(word, known);
          classLists = classLists.flatMap((list) => options.map((option) => [...list, ...option]));
        }
        for (const classes of classLists.map((list) => new Set(list))) {
          const states = rules.filter((r) => r.state && matches(r, element.tag, classes, r.state));
          for (const state of new Set(['', ...states.map((r) => r.state)])) {
            const own = rules.filter((r) => matches(r, element.tag, classes, state));
            if (element.inline) own.push(element.inline);
            const colourRule = winner(own, 'color');
            const backgroundRule = winner(own, 'background');
            let next = paint;
            if (backgroundRule?.background) {
              const background = backgroundOf(backgroundRule, backgroundRule.background.value);
              if (!background) continue;
              next = { ...next, background: over(background, paint.background) };
            }
            if (colourRule?.color) {
              const colour = colourOf(colourRule, colourRule.color.value);
              if (!colour) continue;
              next = { ...next, colour, from: { rule: colourRule, value: colourRule.color.value } };
            }
            if (element.text) check(next);
            const { rule, value } = next.from;
            paints.set(`${rule?.file} ${rule?.selector} ${value} ${toHex(next.background)}`, next);
          }
        }
      }
      for (const child of element.children) for (const p of paints.values()) walk(child, p);
    };
    for (const element of parseWxml(page.wxml.file, page.wxml.source, problems).children) walk(element, root);
  }

  // A colour no text was found in: checked on its rule's own background, else the page's.
  for (const [rule, pageBackground] of colourRules) {
    if (drawn.has(rule) || !rule.color) continue;
    const colour = colourOf(rule, rule.color.value);
    const own = rule.background && backgroundOf(rule, rule.background.value);
    if (!colour || (rule.background && !own)) continue;
    const background = own ? over(own, pageBackground) : pageBackground;
    check({ colour, from: { rule, value: rule.color.value }, background });
  }
  return { failures: [...problems, ...failures].sort(), checked: checked.size };
}

// ---------------------------------------------------------------------------------------------

export const sheet = (path: string): Sheet => ({
  file: relative(MINIPROGRAM_DIR, path).split(sep).join('/'),
  source: existsSync(path) ? readFileSync(path, 'utf8') : '',
});

/** Style sheets this test does not know where to apply: anything but app.wxss and the pages' index.wxss. */
export function otherStyleSheets(dir = MINIPROGRAM_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return dir === MINIPROGRAM_DIR && ['miniprogram_npm', 'node_modules', 'test'].includes(entry.name)
        ? []
        : otherStyleSheets(path);
    const file = relative(MINIPROGRAM_DIR, path).split(sep).join('/');
    return file.endsWith('.wxss') && file !== 'app.wxss' && !/^pages\/[^/]+\/index\.wxss$/.test(file)
      ? [`${file}: a style sheet this test does not check`]
      : [];
  });
}
