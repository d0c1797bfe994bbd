import { type CleanImage, invalid } from './errors.js';

/**
 * A JPEG rewritten segment by segment. What draws the picture is kept, each checked to hold
 * exactly what its kind holds (the quantisation and Huffman tables, one frame header, the scans,
 * the restart interval, Adobe's colour marker); everything else is dropped: EXIF (with the GPS
 * position a phone writes), JFIF, XMP, ICC, comments and vendor blocks, where a polyglot would
 * hide its second file. Only Huffman-coded baseline, extended and progressive frames are taken.
 * Anything after the end marker but zero padding is refused: that is where a JPEG+ZIP polyglot
 * keeps its archive.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DQT = 0xdb;
const DHT = 0xc4;
const DRI = 0xdd;
const APP14 = 0xee;
/** Huffman-coded frames: baseline, extended sequential, progressive. */
const FRAMES: ReadonlySet<number> = new Set([0xc0, 0xc1, 0xc2]);

/** A DQT segment's body is tables of 1 + 64 or 1 + 128 bytes, to its end. */
function tablesFill(body: Buffer, next: (at: number) => number): boolean {
  let at = 0;
  while (at < body.length) at = next(at);
  return at === body.length;
}

const dqtFills = (body: Buffer) =>
  tablesFill(body, (at) => at + 1 + ((body[at] as number) >> 4 === 0 ? 64 : 128));

/** A DHT segment's body is tables of 1 + 16 counts + the values they count, to its end. */
const dhtFills = (body: Buffer) =>
  tablesFill(body, (at) => {
    if (at + 17 > body.length) return body.length + 1;
    let values = 0;
    for (let i = 1; i <= 16; i++) values += body[at + i] as number;
    return at + 17 + values;
  });

/** Whether a kept segment holds exactly what its kind holds. */
function wellFormed(marker: number, body: Buffer): boolean {
  if (marker === DQT) return dqtFills(body);
  if (marker === DHT) return dhtFills(body);
  if (marker === DRI) return body.length === 2;
  if (FRAMES.has(marker)) return body.length >= 6 && body.length === 6 + 3 * (body[5] as number);
  if (marker === SOS) return body.length >= 1 && body.length === 4 + 2 * (body[0] as number);
  if (marker === APP14) return body.length === 12 && body.subarray(0, 5).toString('latin1') === 'Adobe';
  return false;
}

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
    const body = input.subarray(at + 4, end);
    const application = (marker >= 0xe0 && marker <= 0xef && marker !== APP14) || marker === 0xfe;
    if (application) {
      at = end; // dropped: metadata and comments
      continue;
    }
    if (!wellFormed(marker, body)) throw invalid('corrupt');
    if (FRAMES.has(marker)) {
      // One frame, before any scan: a second header could make the picture bigger than checked.
      if (size || scans > 0) throw invalid('corrupt');
      size = { height: body.readUInt16BE(1), width: body.readUInt16BE(3) };
      if (size.width === 0 || size.height === 0) throw invalid('corrupt');
      if (size.width * size.height > maxPixels) throw invalid('too-many-pixels');
    }
    if (marker === SOS) {
      if (!size) throw invalid('corrupt');
      const dataEnd = scanEnd(input, end);
      out.push(input.subarray(at, dataEnd));
      scans++;
      at = dataEnd;
      continue;
    }
    out.push(input.subarray(at, end));
    at = end;
  }
  if (!size || scans === 0) throw invalid('corrupt');
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
