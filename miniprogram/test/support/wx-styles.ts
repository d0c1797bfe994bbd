// The WXSS rules and the WXML tree the contrast check reads (contrast.test.ts).
import { parseColour, type Rgba } from './colours.js';

interface Declaration {
  value: string;
  important: boolean;
}

/** One selector of a rule, as a compound: tag, classes and a state (pseudo-classes, attributes). */
export interface Rule {
  file: string;
  selector: string;
  tag: string | undefined;
  classes: string[];
  /** `::placeholder`, `[disabled]`, `:active`…: tried as a state the element may be in; '' for none. */
  state: string;
  /** Source order (app.wxss, then the page's) and specificity: with !important, the cascade's weights. */
  order: number;
  specificity: number;
  color: Declaration | undefined;
  background: Declaration | undefined;
}

const COMPOUND = /^([a-z][\w-]*)?((?:\.[\w-]+|\[[^\]]*\]|::?[\w-]+(?:\([^()]*\))?)*)$/i;

/** The colour and background a block of declarations sets, if any. */
function declarations(body: string) {
  let color: Declaration | undefined;
  let background: Declaration | undefined;
  for (const declaration of body.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const raw = declaration.slice(colon + 1).trim();
    const important = /!\s*important$/i.test(raw);
    const value = raw.replace(/!\s*important$/i, '').trim();
    if (property === 'color' && value.toLowerCase() !== 'inherit') color = { value, important };
    if (property === 'background' || property === 'background-color') background = { value, important };
  }
  return { color, background };
}

/** The rules of a style sheet that set a colour or a background; what cannot be read goes to `problems`. */
export function parseWxss(file: string, source: string, firstOrder: number, problems: Set<string>): Rule[] {
  const rules: Rule[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '');
  const leftover = text.replace(/[^{}]*\{[^{}]*\}/g, '').trim();
  if (leftover || /(?:^|[{};])\s*@[a-z]/i.test(text))
    problems.add(`${file}: has @-rules or nested blocks, which this test does not read`);
  let order = firstOrder;
  for (const [, selectors = '', body = ''] of text.matchAll(/([^{}@]+)\{([^{}]*)\}/g)) {
    const { color, background } = declarations(body);
    if (!color && !background) continue;
    for (const selector of selectors.split(',').map((s) => s.trim())) {
      const compound = COMPOUND.exec(selector);
      if (!compound) {
        problems.add(`${file} ${selector}: a selector this test cannot match against the WXML`);
        continue;
      }
      const parts = compound[2] ?? '';
      const classes = [...parts.matchAll(/\.([\w-]+)/g)].map((m) => m[1] ?? '');
      const state = [...parts.matchAll(/\[[^\]]*\]|::?[\w-]+(?:\([^()]*\))?/g)].map((m) => m[0]);
      const tag = compound[1]?.toLowerCase();
      rules.push({
        file,
        selector,
        tag,
        classes,
        state: state.join(''),
        order: order++,
        specificity: (classes.length + state.length) * 100 + (tag ? 1 : 0),
        color,
        background,
      });
    }
  }
  return rules;
}

/** A background declaration's colour: `background-color`, or the colour of a `background` shorthand. */
export function backgroundColour(value: string): Rgba | undefined {
  const whole = parseColour(value);
  if (whole) return whole;
  if (/^none$/i.test(value.trim())) return parseColour('transparent');
  if (/url\(|gradient\(|var\(/i.test(value)) return undefined;
  const colours = (value.match(/[a-z-]+\([^()]*\)|[^\s()]+/gi) ?? []).map(parseColour).filter((c) => c);
  return colours.length === 1 ? colours[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// WXML

export interface Element {
  tag: string;
  /** The class attribute's words: plain classes, or words built from {{expressions}}. */
  classWords: string[];
  /** Has text of its own (not only in child elements). */
  text: boolean;
  /** A colour or background its style attribute sets, as a rule above every selector. */
  inline: Rule | undefined;
  children: Element[];
}

const WXML_TOKEN =
  /<!--[\s\S]*?-->|<wxs(?:\s[^>]*)?(?<!\/)>[\s\S]*?<\/wxs\s*>|<\/([\w-]+)\s*>|<([a-z][\w-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(\/?)>|([^<]+)|</iy;

export function parseWxml(file: string, source: string, problems: Set<string>): Element {
  const root: Element = { tag: '#page', classWords: [], text: false, inline: undefined, children: [] };
  const open: Element[] = [root];
  WXML_TOKEN.lastIndex = 0;
  for (let m = WXML_TOKEN.exec(source); m; m = WXML_TOKEN.exec(source)) {
    const [token, closing, tag, attributes = '', selfClosing, text] = m;
    const current = open[open.length - 1] ?? root;
    if (closing) {
      if (open.length <= 1 || current.tag !== closing.toLowerCase())
        problems.add(`${file}: </${closing}> does not close <${current.tag}>`);
      else open.pop();
    } else if (tag) {
      const name = tag.toLowerCase();
      if (name === 'template' || name === 'include' || name === 'slot')
        problems.add(`${file}: <${name}>, whose nesting this test does not follow`);
      const classAttribute = /(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attributes);
      const classes = classAttribute?.[1] ?? classAttribute?.[2] ?? '';
      const styleAttribute = /(?:^|\s)style\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attributes);
      const { color, background } = declarations(styleAttribute?.[1] ?? styleAttribute?.[2] ?? '');
      // A value from an {{expression}} is not a colour this test can read, and fails it, named.
      const selector = `<${name} style>`;
      const inline =
        color || background
          ? {
              file,
              selector,
              tag: undefined,
              classes: [],
              state: '',
              order: 0,
              specificity: 1000,
              color,
              background,
            }
          : undefined;
      const element: Element = {
        tag: name,
        classWords: classes.match(/(?:\{\{[\s\S]*?\}\}|[^\s{]|\{(?!\{))+/g) ?? [],
        text: false,
        inline,
        children: [],
      };
      current.children.push(element);
      if (!selfClosing) open.push(element);
    } else if ((text !== undefined || token === '<') && token.trim()) {
      current.text = true;
    }
  }
  if (open.length > 1) problems.add(`${file}: <${open[open.length - 1]?.tag}> is never closed`);
  return root;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LITERAL = /'([^']*)'|"([^"]*)"/g;

/**
 * The class lists one class word can give: itself when plain; the string literals of a choice
 * (`{{a ? 'x' : ''}}`); any known class its shape allows, or none, when its value is open
 * (`status-{{item.status}}`).
 */
export function wordOptions(word: string, known: string[]): string[][] {
  if (!word.includes('{{')) return [[word]];
  const pieces = word.split(/(\{\{[\s\S]*?\}\})/);
  if (pieces.length === 3) {
    const [prefix = '', mustache = '', suffix = ''] = pieces;
    const expression = mustache.slice(2, -2).trim();
    const rest = expression.replace(LITERAL, '""');
    const choice = /^""$/.test(rest) || /^[^?]*\?[\s:()"]*$/.test(rest);
    if (choice)
      return [...expression.matchAll(LITERAL)].map(([, single, double]) =>
        `${prefix}${single ?? double ?? ''}${suffix}`.split(/\s+/).filter(Boolean),
      );
  }
  const shape = new RegExp(
    `^${pieces.map((piece) => (piece.startsWith('{{') ? '.*' : escapeRegExp(piece))).join('')}$`,
  );
  return [[], ...known.filter((c) => shape.test(c)).map((c) => [c])];
}

// ---------------------------------------------------------------------------------------------
// What each piece of text is drawn in, and on
