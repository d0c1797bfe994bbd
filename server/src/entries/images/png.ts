import { crc32, createInflate } from 'node:zlib';
import { type CleanImage, invalid } from './errors.js';

/**
 * A PNG rewritten chunk by chunk: every chunk's CRC is checked, what draws the picture is kept
 * (header, palette, transparency, colour space, image data), each of the size its kind has; the
 * rest is dropped: text chunks, EXIF, ICC, times and unknown chunks, where metadata and polyglot
 * payloads live. Anything after IEND is refused, and so is anything after the image data's own
 * end. The image data is inflated as a stream that counts and keeps nothing, capped at the size
 * its header declares and at MAX_INFLATED, so a decompression bomb costs neither memory nor long.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel, and the bit depths the PNG spec allows, of each colour type. */
const COLOUR_TYPES: Readonly<Record<number, { channels: number; depths: readonly number[] }>> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
/** The ancillary chunks kept, each with the sizes it may have. */
const KEPT_SIZES: Readonly<Record<string, (length: number) => boolean>> = {
  tRNS: (n) => n <= 256,
  gAMA: (n) => n === 4,
  cHRM: (n) => n === 32,
  sRGB: (n) => n === 1,
  sBIT: (n) => n >= 1 && n <= 4,
  bKGD: (n) => n === 1 || n === 2 || n === 6,
  pHYs: (n) => n === 9,
};
/** The most bytes an image's data may inflate to, whatever its header says: 128 MiB. */
const MAX_INFLATED = 128 * 1024 * 1024;

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

function headerOf(body: Buffer, maxPixels: number): Header {
  if (body.length !== 13) throw invalid('corrupt');
  const h = {
    width: body.readUInt32BE(0),
    height: body.readUInt32BE(4),
    bitDepth: body[8] as number,
    colourType: body[9] as number,
    interlaced: body[12] === 1,
  };
  const type = COLOUR_TYPES[h.colourType];
  // Compression and filter method 0, interlace 0 or 1: the only ones there are.
  if (!type?.depths.includes(h.bitDepth) || body[10] !== 0 || body[11] !== 0 || (body[12] as number) > 1) {
    throw invalid('corrupt');
  }
  if (h.width === 0 || h.height === 0) throw invalid('corrupt');
  if (h.width * h.height > maxPixels) throw invalid('too-many-pixels');
  return h;
}

export async function cleanPng(input: Buffer, maxPixels: number): Promise<CleanImage> {
  if (input.length < 8 || !input.subarray(0, 8).equals(SIGNATURE)) throw invalid('corrupt');
  const out: Buffer[] = [SIGNATURE];
  const data: Buffer[] = [];
  let header: Header | undefined;
  let palette = false;
  let at = 8;
  for (let ended = false; !ended; ) {
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
    let keep = false;
    if (type === 'IHDR') {
      if (header) throw invalid('corrupt');
      header = headerOf(body, maxPixels);
      keep = true;
    } else if (type === 'PLTE') {
      if (palette || length === 0 || length > 768 || length % 3 !== 0 || data.length > 0)
        throw invalid('corrupt');
      palette = keep = true;
    } else if (type === 'IDAT') {
      data.push(body);
      keep = true;
    } else if (type === 'IEND') {
      ended = keep = true;
    } else if (KEPT_SIZES[type]) {
      if (!KEPT_SIZES[type](length)) throw invalid('corrupt');
      keep = true;
    } else if (/^[A-Z]/.test(type)) {
      throw invalid('corrupt'); // an unknown critical chunk
    }
    if (keep) out.push(input.subarray(at, end));
    at = end;
  }
  if (!header || data.length === 0 || (header.colourType === 3 && !palette)) throw invalid('corrupt');
  if (input.subarray(at).some((byte) => byte !== 0)) throw invalid('trailing-data');
  await inflateWithin(Buffer.concat(data), header);
  return { contentType: 'image/png', width: header.width, height: header.height, bytes: Buffer.concat(out) };
}

/**
 * Inflates the image data without keeping it: refuses more bytes than its header declares (an
 * interlaced image's seven passes add a little) or than MAX_INFLATED, less than it declares, and
 * compressed bytes after the stream's own end.
 */
function inflateWithin(compressed: Buffer, h: Header): Promise<void> {
  const { channels } = COLOUR_TYPES[h.colourType] as { channels: number };
  const rowBytes = Math.ceil((h.width * channels * h.bitDepth) / 8);
  const declared = h.height * (rowBytes + 1);
  const cap = h.interlaced ? declared + 7 * (h.height + 8) * 2 + 64 : declared;
  if (declared > MAX_INFLATED) return Promise.reject(invalid('decompression-bomb'));
  return new Promise((resolve, reject) => {
    const inflate = createInflate();
    let total = 0;
    let settled = false;
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) {
        inflate.destroy();
        reject(error);
      } else resolve();
    };
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > Math.min(cap, MAX_INFLATED)) done(invalid('decompression-bomb'));
    });
    inflate.on('error', () => done(invalid('corrupt')));
    inflate.on('end', () => {
      if (inflate.bytesWritten !== compressed.length) return done(invalid('trailing-data'));
      done(total < (h.interlaced ? declared * 0.5 : declared) ? invalid('corrupt') : undefined);
    });
    inflate.end(compressed);
  });
}
