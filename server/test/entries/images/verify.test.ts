import { deflateSync, inflateSync } from 'node:zlib';
import { AppError } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  decodeJpeg,
  jpegOf,
  pngDecompressionBomb,
  pngOf,
  pngPixelFlood,
  pngWith,
  pngWithText,
  rawScanlines,
  withComment,
  withExif,
  withSegment,
  zipBomb,
  zipOf,
} from '../../../../test/support/images.js';
import { verifyImage } from '../../../src/entries/images/verify.js';

const MAX_PIXELS = 40_000_000;

async function refusal(run: () => Promise<unknown>): Promise<{ code: string; why?: unknown }> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError)
      return { code: error.code, why: (error.details as { why?: unknown })?.why };
    throw error;
  }
  throw new Error('it was taken');
}

describe('verifyImage', () => {
  it('takes a JPEG and a PNG, with their size', async () => {
    const jpeg = await verifyImage(jpegOf(40, 30), { mimeType: 'image/jpeg', filename: 'a.jpg' }, MAX_PIXELS);
    expect(jpeg).toMatchObject({ contentType: 'image/jpeg', width: 40, height: 30 });
    const png = await verifyImage(pngOf(20, 10), { mimeType: 'image/png', filename: 'b.PNG' }, MAX_PIXELS);
    expect(png).toMatchObject({ contentType: 'image/png', width: 20, height: 10 });
  });

  it('strips a JPEG’s EXIF and comments, and the picture stays the same', async () => {
    const original = jpegOf(32, 24);
    const tagged = withComment(withExif(original, 'GPS 31.2304N 121.4737E'), 'PK\u0003\u0004 hidden');
    const clean = await verifyImage(tagged, {}, MAX_PIXELS);
    expect(clean.bytes.includes(Buffer.from('GPS 31.2304N'))).toBe(false);
    expect(clean.bytes.includes(Buffer.from('hidden'))).toBe(false);
    expect(clean.bytes.includes(Buffer.from('Exif\0\0'))).toBe(false);
    expect(Buffer.from(decodeJpeg(clean.bytes).data)).toEqual(Buffer.from(decodeJpeg(original).data));
  });

  it('strips a PNG’s text chunks, and the image data stays the same', async () => {
    const clean = await verifyImage(pngWithText('<script>alert(1)</script>'), {}, MAX_PIXELS);
    expect(clean.bytes.includes(Buffer.from('<script>'))).toBe(false);
    expect(clean.bytes.equals(pngOf(32, 24))).toBe(true);
  });

  it('refuses a file that is no image: a zip, a zip bomb, text', async () => {
    expect(await refusal(() => verifyImage(zipOf(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'not-an-image',
    });
    expect(await refusal(() => verifyImage(zipBomb(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'not-an-image',
    });
    expect(
      (await refusal(() => verifyImage(Buffer.from('<svg onload=alert(1)>'), {}, MAX_PIXELS))).code,
    ).toBe('IMAGE_INVALID');
  });

  it('refuses a polyglot: an image with a zip after its end', async () => {
    for (const image of [jpegOf(), pngOf()]) {
      const polyglot = Buffer.concat([image, zipOf()]);
      expect(await refusal(() => verifyImage(polyglot, {}, MAX_PIXELS))).toEqual({
        code: 'IMAGE_INVALID',
        why: 'trailing-data',
      });
    }
  });

  it('takes zero padding after the end, and drops it', async () => {
    const padded = Buffer.concat([jpegOf(), Buffer.alloc(64)]);
    const clean = await verifyImage(padded, {}, MAX_PIXELS);
    expect(clean.bytes.equals((await verifyImage(jpegOf(), {}, MAX_PIXELS)).bytes)).toBe(true);
  });

  it('refuses a pixel flood and a decompression bomb before inflating them whole', async () => {
    expect(await refusal(() => verifyImage(pngPixelFlood(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'too-many-pixels',
    });
    const bomb = pngDecompressionBomb();
    expect(bomb.length).toBeLessThan(200_000);
    expect(inflateSync(bomb.subarray(41, bomb.length - 16)).length).toBeGreaterThan(1_000_000);
    expect(await refusal(() => verifyImage(bomb, {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'decompression-bomb',
    });
    expect(await refusal(() => verifyImage(jpegOf(200, 100), {}, 10_000))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'too-many-pixels',
    });
  });

  it('refuses a file whose content type or name lies about it', async () => {
    expect((await refusal(() => verifyImage(jpegOf(), { mimeType: 'image/png' }, MAX_PIXELS))).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    expect((await refusal(() => verifyImage(pngOf(), { filename: 'photo.jpg' }, MAX_PIXELS))).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    expect((await refusal(() => verifyImage(pngOf(), { filename: 'page.html' }, MAX_PIXELS))).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    // WeChat's uploadFile may say nothing of the type: the bytes decide.
    expect(
      (await verifyImage(pngOf(), { mimeType: 'application/octet-stream', filename: 'tmp' }, MAX_PIXELS))
        .contentType,
    ).toBe('image/png');
  });

  it('refuses a truncated or damaged image', async () => {
    const jpeg = jpegOf();
    expect(await refusal(() => verifyImage(jpeg.subarray(0, jpeg.length - 40), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
    const png = Buffer.from(pngOf());
    png[40] = (png[40] as number) ^ 0xff; // inside IDAT: its CRC no longer matches
    expect(await refusal(() => verifyImage(png, {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
  });

  it('refuses a second frame header, which could make the picture bigger than checked', async () => {
    const jpeg = jpegOf(16, 16);
    const frame = Buffer.from([8, 0xfd, 0xe8, 0xfd, 0xe8, 1, 1, 0x11, 0]); // 65000 × 65000, one component
    // The big frame first, the real one after: a decoder sizes its buffers by the first.
    expect((await refusal(() => verifyImage(withSegment(jpeg, 0xc0, frame), {}, MAX_PIXELS))).code).toBe(
      'IMAGE_INVALID',
    );
    // Two frames of a size that passes are refused too: one frame, before any scan.
    const small = Buffer.from([8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    expect(await refusal(() => verifyImage(withSegment(jpeg, 0xc0, small), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
  });

  it('keeps no room for a second file in what it keeps: JFIF is dropped, tables must fill their segments', async () => {
    const payload = Buffer.concat([Buffer.from('JFIF\0'), zipOf()]);
    const clean = await verifyImage(withSegment(jpegOf(), 0xe0, payload), {}, MAX_PIXELS);
    expect(clean.bytes.includes(zipOf())).toBe(false);
    // A quantisation table with a zip after it.
    const table = Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1), zipOf()]);
    expect(await refusal(() => verifyImage(withSegment(jpegOf(), 0xdb, table), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
    // A PNG chunk kept by kind but of a size its kind never has.
    const physWithZip = pngWith({ chunks: [['pHYs', Buffer.concat([Buffer.alloc(9), zipOf()])]] });
    expect((await refusal(() => verifyImage(physWithZip, {}, MAX_PIXELS))).why).toBe('corrupt');
    // Bytes after the image data's own end.
    const idat = Buffer.concat([deflateSync(rawScanlines(32, 24)), zipOf()]);
    expect((await refusal(() => verifyImage(pngWith({ idat }), {}, MAX_PIXELS))).why).toBe('trailing-data');
  });

  it('refuses a PNG header the spec does not allow, and a palette image without its palette', async () => {
    expect((await refusal(() => verifyImage(pngWith({ bitDepth: 255 }), {}, MAX_PIXELS))).why).toBe(
      'corrupt',
    );
    expect(
      (await refusal(() => verifyImage(pngWith({ colourType: 3, bitDepth: 8 }), {}, MAX_PIXELS))).why,
    ).toBe('corrupt');
  });

  it('refuses image data that would inflate past 128 MiB, even within the pixel limit', async () => {
    // 5,000 × 5,000 RGBA at 16 bits: 200 MB of pixels, in about 200 KB of zeros.
    const idat = deflateSync(Buffer.alloc(200_010_000), { level: 9 });
    const big = pngWith({ width: 5_000, height: 5_000, bitDepth: 16, idat });
    expect(big.length).toBeLessThan(500_000);
    expect((await refusal(() => verifyImage(big, {}, MAX_PIXELS))).why).toBe('decompression-bomb');
  });
});
