/** An sRGB colour, 0–255 a channel. */
export type Rgb = readonly [number, number, number];

/** Reads `rgb(…)`/`rgba(…)` as getComputedStyle writes it, or `#rrggbb`; undefined otherwise. */
export function parseColor(css: string): { rgb: Rgb; alpha: number } | undefined {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css.trim());
  if (hex)
    return { rgb: [1, 2, 3].map((i) => Number.parseInt(hex[i] ?? '0', 16)) as unknown as Rgb, alpha: 1 };
  const fn = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?\s*\)$/i.exec(css.trim());
  if (!fn) return undefined;
  return {
    rgb: [Number(fn[1]), Number(fn[2]), Number(fn[3])],
    alpha: fn[4] === undefined ? 1 : Number(fn[4]),
  };
}

/** WCAG 2 relative luminance. */
function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio of two opaque colours, 1 to 21. Normal text needs at least 4.5. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** A translucent colour over an opaque one. */
export function over(top: Rgb, alpha: number, bottom: Rgb): Rgb {
  return top.map((c, i) => Math.round(c * alpha + (bottom[i] ?? 0) * (1 - alpha))) as unknown as Rgb;
}
