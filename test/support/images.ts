import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

/**
 * Real image files for the upload tests, made here so every byte is known: JPEGs encoded by
 * jpeg-js, PNGs written chunk by chunk, and the hostile files built from them.
 */

/** A gradient, so the pixels are not all alike. */
function pixels(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      data[at] = (x * 255) / Math.max(1, width - 1);
      data[at + 1] = (y * 255) / Math.max(1, height - 1);
      data[at + 2] = 128;
      data[at + 3] = 255;
    }
  }
  return data;
}

export function jpegOf(width = 32, height = 24): Buffer {
  return Buffer.from(jpeg.encode({ data: pixels(width, height), width, height }, 85).data);
}

/** A JPEG with an EXIF segment (APP1) after its start, holding `secret` (say, a GPS position). */
export function withExif(image: Buffer, secret = 'GPS 31.2304N 121.4737E'): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(secret, 'latin1')]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), header, payload, image.subarray(2)]);
}

/** A JPEG with a comment segment (COM) holding `text`. */
export function withComment(image: Buffer, text: string): Buffer {
  const payload = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), header, payload, image.subarray(2)]);
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth = 8, colourType = 6): Buffer {
  const body = Buffer.alloc(13);
  body.writeUInt32BE(width, 0);
  body.writeUInt32BE(height, 4);
  body[8] = bitDepth;
  body[9] = colourType;
  return chunk('IHDR', body);
}

/** A PNG made of parts a test chooses: its header's fields, its image data (deflated), other chunks. */
export function pngWith(parts: {
  width?: number;
  height?: number;
  bitDepth?: number;
  colourType?: number;
  idat?: Buffer;
  chunks?: [string, Buffer][];
}): Buffer {
  const width = parts.width ?? 32;
  const height = parts.height ?? 24;
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height, parts.bitDepth, parts.colourType),
    ...(parts.chunks ?? []).map(([type, body]) => chunk(type, body)),
    chunk('IDAT', parts.idat ?? deflateSync(scanlines(width, height))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The raw scanlines of an RGBA image (filter byte 0 on each row), to deflate as a test likes. */
export const rawScanlines = (width: number, height: number): Buffer => scanlines(width, height);

/** A JPEG with a segment (marker and body) put in after its start. */
export function withSegment(image: Buffer, marker: number, body: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), header, body, image.subarray(2)]);
}

/** The raw scanlines of an RGBA image, filter byte 0 on each row. */
function scanlines(width: number, height: number): Buffer {
  const rgba = pixels(width, height);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(Buffer.from([0]), rgba.subarray(y * width * 4, (y + 1) * width * 4));
  }
  return Buffer.concat(rows);
}

export function pngOf(width = 32, height = 24, extra: Buffer[] = []): Buffer {
  return Buffer.concat([
    SIGNATURE,
    ihdr(width, height),
    ...extra,
    chunk('IDAT', deflateSync(scanlines(width, height))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG with a tEXt chunk (where metadata, or a script, can hide). */
export const pngWithText = (text: string): Buffer =>
  pngOf(32, 24, [chunk('tEXt', Buffer.from(`Comment\0${text}`, 'latin1'))]);

/** A PNG whose header declares 100×100 but whose data inflates to 50 MB of zeros. */
export function pngDecompressionBomb(): Buffer {
  return Buffer.concat([
    SIGNATURE,
    ihdr(100, 100),
    chunk('IDAT', deflateSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG whose header declares 50,000 × 50,000 pixels (a pixel flood), with a little data. */
export function pngPixelFlood(): Buffer {
  return Buffer.concat([
    SIGNATURE,
    ihdr(50_000, 50_000),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A zip archive of one file: a local header, stored data, the central directory, its end. */
export function zipOf(name = 'payload.html', content = '<script>alert(1)</script>'): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc32(data), 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc32(data), 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + fileName.length, 12);
  end.writeUInt32LE(30 + fileName.length + data.length, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

/** A zip bomb's shape: one entry of 100 MB of zeros, deflated to about 100 KB. */
export function zipBomb(): Buffer {
  const zeros = deflateSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(zeros.length, 18);
  local.writeUInt32LE(100 * 1024 * 1024, 22);
  local.writeUInt16LE(4, 26);
  return Buffer.concat([local, Buffer.from('zero'), zeros]);
}

/** Decodes a JPEG's pixels (to show a rewritten file still draws the same picture). */
export const decodeJpeg = (bytes: Buffer) => jpeg.decode(bytes, { useTArray: true });
