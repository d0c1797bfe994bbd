import { type CleanImage, invalid } from './errors.js';

/**
 * A JPEG rewritten segment by segment: what draws the picture is kept (tables, frame, scans,
 * JFIF and Adobe's colour marker), everything else is dropped: EXIF (with the GPS position a phone
 * writes), XMP, ICC extras, comments and vendor blocks, where a polyglot hides its second file.
 * Anything after the end marker but zero padding is refused: that is where a JPEG+ZIP polyglot
 * keeps its archive.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
/** Start-of-frame markers: SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC). */
const isFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Segments a decoder needs: tables, frame, restart interval, and APP0 (JFIF) / APP14 (Adobe). */
const KEEP: ReadonlySet<number> = new Set([0xc4, 0xcc, 0xdb, 0xdd, 0xdf, 0xe0, 0xee]);

export function cleanJpeg(input: Buffer, maxPixels: number): CleanImage {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== SOI) throw invalid('corrupt');
  const out: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  let size: { width: number; height: number } | undefined;
  let scans = 0;
  for (;;) {
    // Fill bytes (0xFF) may pad before a marker.
    while (at < input.length && input[at] === 0xff && input[at + 1] === 0xff) at++;
    if (at + 1 >= input.length || input[at] !== 0xff) throw invalid('corrupt');
    const marker = input[at + 1] as number;
    if (marker === EOI) {
      out.push(input.subarray(at, at + 2));
      at += 2;
      break;
    }
    if (at + 3 >= input.length) throw invalid('corrupt');
    const length = input.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > input.length) throw invalid('corrupt');
    if (isFrame(marker)) {
      if (length < 8) throw invalid('corrupt');
      size = { height: input.readUInt16BE(at + 5), width: input.readUInt16BE(at + 7) };
      out.push(input.subarray(at, end));
    } else if (marker === SOS) {
      if (!size) throw invalid('corrupt');
      const dataEnd = scanEnd(input, end);
      out.push(input.subarray(at, dataEnd));
      scans++;
      at = dataEnd;
      continue;
    } else if (KEEP.has(marker)) {
      out.push(input.subarray(at, end));
    } else if (!(marker >= 0xe0 && marker <= 0xef) && marker !== 0xfe) {
      // Not an application segment or a comment, and not one a baseline or progressive file uses.
      throw invalid('corrupt');
    }
    at = end;
  }
  if (!size || scans === 0 || size.width === 0 || size.height === 0) throw invalid('corrupt');
  if (size.width * size.height > maxPixels) throw invalid('too-many-pixels');
  if (input.subarray(at).some((byte) => byte !== 0)) throw invalid('trailing-data');
  return { contentType: 'image/jpeg', ...size, bytes: Buffer.concat(out) };
}

/**
 * Where a scan's entropy-coded data ends: at the first marker that is not a stuffed 0xFF00 or a
 * restart marker (RST0–RST7).
 */
function scanEnd(input: Buffer, from: number): number {
  let at = from;
  for (;;) {
    at = input.indexOf(0xff, at);
    if (at < 0 || at + 1 >= input.length) throw invalid('corrupt');
    const next = input[at + 1] as number;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
      at += next === 0xff ? 1 : 2;
      continue;
    }
    return at;
  }
}
