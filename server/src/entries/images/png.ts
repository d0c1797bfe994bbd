import { crc32, inflateSync } from 'node:zlib';
import { type CleanImage, invalid } from './errors.js';

/**
 * A PNG rewritten chunk by chunk: every chunk's CRC is checked, what draws the picture is kept
 * (header, palette, transparency, colour space, image data), the rest is dropped: text chunks,
 * EXIF, times and unknown chunks, where metadata and polyglot payloads live. Anything after IEND
 * is refused. The image data is inflated with a cap at the size its header declares, so a
 * decompression bomb is refused before it costs memory.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const KEEP: ReadonlySet<string> = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'sBIT',
  'bKGD',
  'pHYs',
]);
/** Samples per pixel of each colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function cleanPng(input: Buffer, maxPixels: number): CleanImage {
  if (input.length < 8 || !input.subarray(0, 8).equals(SIGNATURE)) throw invalid('corrupt');
  const out: Buffer[] = [SIGNATURE];
  const data: Buffer[] = [];
  let header: { width: number; height: number; bitDepth: number; colourType: number } | undefined;
  let at = 8;
  let ended = false;
  while (!ended) {
    if (at + 12 > input.length) throw invalid('corrupt');
    const length = input.readUInt32BE(at);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > input.length) throw invalid('corrupt');
    const type = input.toString('latin1', at + 4, at + 8);
    const body = input.subarray(at + 8, at + 8 + length);
    if (crc32(input.subarray(at + 4, at + 8 + length)) !== input.readUInt32BE(at + 8 + length)) {
      throw invalid('corrupt');
    }
    if (!header && type !== 'IHDR') throw invalid('corrupt');
    if (type === 'IHDR') {
      if (header || length !== 13) throw invalid('corrupt');
      header = {
        width: body.readUInt32BE(0),
        height: body.readUInt32BE(4),
        bitDepth: body[8] as number,
        colourType: body[9] as number,
      };
      if (header.width === 0 || header.height === 0 || CHANNELS[header.colourType] === undefined) {
        throw invalid('corrupt');
      }
      if (header.width * header.height > maxPixels) throw invalid('too-many-pixels');
    }
    if (type === 'IDAT') data.push(body);
    if (type === 'IEND') ended = true;
    // Ancillary chunks (lower-case first letter) not kept are dropped; an unknown critical one is refused.
    if (KEEP.has(type)) out.push(input.subarray(at, end));
    else if (/^[A-Z]/.test(type)) throw invalid('corrupt');
    at = end;
  }
  if (!header || data.length === 0) throw invalid('corrupt');
  if (input.subarray(at).some((byte) => byte !== 0)) throw invalid('trailing-data');
  inflateWithin(Buffer.concat(data), header);
  return { contentType: 'image/png', width: header.width, height: header.height, bytes: Buffer.concat(out) };
}

/** Inflates the image data, refusing more than its header's size (interlacing adds a little). */
function inflateWithin(
  compressed: Buffer,
  h: { width: number; height: number; bitDepth: number; colourType: number },
): void {
  const bitsPerPixel = (CHANNELS[h.colourType] as number) * h.bitDepth;
  const rowBytes = Math.ceil((h.width * bitsPerPixel) / 8);
  const declared = h.height * (rowBytes + 1);
  // Adam7 has seven passes, each with its own filter bytes and rounded-up rows.
  const cap = declared + 7 * (h.height + 8) * 2 + 64;
  let inflated: Buffer;
  try {
    inflated = inflateSync(compressed, { maxOutputLength: cap });
  } catch (error) {
    if (error instanceof RangeError) throw invalid('decompression-bomb');
    throw invalid('corrupt');
  }
  if (inflated.length < declared * 0.5) throw invalid('corrupt');
}
