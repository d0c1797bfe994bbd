import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** CRC-32 (ISO 3309), as PNG chunks need it. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([head, typed, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const MODULES = 21;

/**
 * A square grayscale PNG, `width` pixels a side, with a 21 × 21 pattern drawn from `seed`: the same
 * scene gives the same picture. It looks like a code and scans as nothing, which is all a fake needs.
 */
export function patternPng(seed: string, width: number): Buffer {
  const bits = Buffer.concat([0, 1].map((i) => createHash('sha256').update(`${i}:${seed}`).digest()));
  const dark = (mx: number, my: number) => {
    const n = my * MODULES + mx;
    return (((bits[n >> 3] ?? 0) >> (n & 7)) & 1) === 1;
  };
  const row = width + 1; // each scanline starts with filter type 0
  const raw = Buffer.alloc(row * width);
  for (let y = 0; y < width; y++) {
    const my = Math.floor((y * MODULES) / width);
    for (let x = 0; x < width; x++) {
      raw[y * row + 1 + x] = dark(Math.floor((x * MODULES) / width), my) ? 0x00 : 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
