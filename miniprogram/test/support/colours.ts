// Colours as WCAG 2.x measures them: parsed from WXSS values, blended, compared (contrast.test.ts).
import { contrastRatio, type Rgb } from '../../../web/src/shared/contrast.js';
// ---------------------------------------------------------------------------------------------
// Colours

/** Red, green and blue 0–255, alpha 0–1. */
export type Rgba = readonly [number, number, number, number];

const NAMED: Record<string, string> = {
  black: '#000000',
  white: '#ffffff',
  red: '#ff0000',
  green: '#008000',
  blue: '#0000ff',
  gray: '#808080',
  grey: '#808080',
  silver: '#c0c0c0',
  orange: '#ffa500',
  yellow: '#ffff00',
  purple: '#800080',
  transparent: '#0000',
};

/** A CSS colour (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba() or a few names), or undefined. */
export function parseColour(text: string): Rgba | undefined {
  const value = text.trim().toLowerCase();
  const named = NAMED[value];
  if (named) return parseColour(named);
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(value)?.[1];
  if (hex) {
    const digits = hex.length <= 4 ? [...hex].map((d) => d + d) : (hex.match(/../g) ?? []);
    const [r = 0, g = 0, b = 0, a = 255] = digits.map((d) => Number.parseInt(d, 16));
    return [r, g, b, a / 255];
  }
  const args = /^rgba?\(([^()]*)\)$/
    .exec(value)?.[1]
    ?.trim()
    .split(/\s*[,/]\s*|\s+/);
  if (!args || args.length < 3 || args.length > 4) return undefined;
  const number = (arg: string, scale: number) => {
    const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(arg);
    if (!m?.[1]) return Number.NaN;
    return m[2] ? (Number(m[1]) / 100) * scale : Number(m[1]);
  };
  const [r = '', g = '', b = '', a = '1'] = args;
  const rgba = [number(r, 255), number(g, 255), number(b, 255), number(a, 1)] as const;
  if (rgba.some(Number.isNaN) || rgba.slice(0, 3).some((c) => c > 255) || rgba[3] > 1) return undefined;
  return rgba;
}

/** `top` painted over the opaque `under`. */
export const over = (top: Rgba, under: Rgba): Rgba => {
  const a = top[3];
  return [
    top[0] * a + under[0] * (1 - a),
    top[1] * a + under[1] * (1 - a),
    top[2] * a + under[2] * (1 - a),
    1,
  ];
};

export const WHITE: Rgba = [255, 255, 255, 1];

/** WCAG 2.x contrast ratio of text in `foreground` drawn on `background` (each blended as painted). */
export function contrast(foreground: Rgba, background: Rgba): number {
  const bg = over(background, WHITE);
  const rgb = (c: Rgba): Rgb => [c[0], c[1], c[2]];
  return contrastRatio(rgb(over(foreground, bg)), rgb(bg));
}

export const toHex = (c: Rgba) =>
  `#${c
    .slice(0, 3)
    .map((v) => Math.round(v).toString(16).padStart(2, '0'))
    .join('')}`;
/** Cut, not rounded, so a ratio short of 4.5 never reads as 4.50. */
export const showRatio = (ratio: number) => (Math.floor(ratio * 100) / 100).toFixed(2);

// ---------------------------------------------------------------------------------------------
// WXSS
