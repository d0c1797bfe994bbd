import { inflateSync } from 'node:zlib';
import { AppError } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  decodeJpeg,
  jpegOf,
  pngDecompressionBomb,
  pngOf,
  pngPixelFlood,
  pngWithText,
  withComment,
  withExif,
  zipBomb,
  zipOf,
} from '../../../../test/support/images.js';
import { verifyImage } from '../../../src/entries/images/verify.js';

const MAX_PIXELS = 40_000_000;

function refusal(run: () => unknown): { code: string; why?: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError)
      return { code: error.code, why: (error.details as { why?: unknown })?.why };
    throw error;
  }
  throw new Error('it was taken');
}

describe('verifyImage', () => {
  it('takes a JPEG and a PNG, with their size', () => {
    const jpeg = verifyImage(jpegOf(40, 30), { mimeType: 'image/jpeg', filename: 'a.jpg' }, MAX_PIXELS);
    expect(jpeg).toMatchObject({ contentType: 'image/jpeg', width: 40, height: 30 });
    const png = verifyImage(pngOf(20, 10), { mimeType: 'image/png', filename: 'b.PNG' }, MAX_PIXELS);
    expect(png).toMatchObject({ contentType: 'image/png', width: 20, height: 10 });
  });

  it('strips a JPEG’s EXIF and comments, and the picture stays the same', () => {
    const original = jpegOf(32, 24);
    const tagged = withComment(withExif(original, 'GPS 31.2304N 121.4737E'), 'PK\u0003\u0004 hidden');
    const clean = verifyImage(tagged, {}, MAX_PIXELS);
    expect(clean.bytes.includes(Buffer.from('GPS 31.2304N'))).toBe(false);
    expect(clean.bytes.includes(Buffer.from('hidden'))).toBe(false);
    expect(clean.bytes.includes(Buffer.from('Exif\0\0'))).toBe(false);
    expect(Buffer.from(decodeJpeg(clean.bytes).data)).toEqual(Buffer.from(decodeJpeg(original).data));
  });

  it('strips a PNG’s text chunks, and the image data stays the same', () => {
    const clean = verifyImage(pngWithText('<script>alert(1)</script>'), {}, MAX_PIXELS);
    expect(clean.bytes.includes(Buffer.from('<script>'))).toBe(false);
    expect(clean.bytes.equals(pngOf(32, 24))).toBe(true);
  });

  it('refuses a file that is no image: a zip, a zip bomb, text', () => {
    expect(refusal(() => verifyImage(zipOf(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'not-an-image',
    });
    expect(refusal(() => verifyImage(zipBomb(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'not-an-image',
    });
    expect(refusal(() => verifyImage(Buffer.from('<svg onload=alert(1)>'), {}, MAX_PIXELS)).code).toBe(
      'IMAGE_INVALID',
    );
  });

  it('refuses a polyglot: an image with a zip after its end', () => {
    for (const image of [jpegOf(), pngOf()]) {
      const polyglot = Buffer.concat([image, zipOf()]);
      expect(refusal(() => verifyImage(polyglot, {}, MAX_PIXELS))).toEqual({
        code: 'IMAGE_INVALID',
        why: 'trailing-data',
      });
    }
  });

  it('takes zero padding after the end, and drops it', () => {
    const padded = Buffer.concat([jpegOf(), Buffer.alloc(64)]);
    expect(verifyImage(padded, {}, MAX_PIXELS).bytes.length).toBe(padded.length - 64);
  });

  it('refuses a pixel flood and a decompression bomb before inflating them whole', () => {
    expect(refusal(() => verifyImage(pngPixelFlood(), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'too-many-pixels',
    });
    const bomb = pngDecompressionBomb();
    expect(bomb.length).toBeLessThan(200_000);
    expect(inflateSync(bomb.subarray(41, bomb.length - 16)).length).toBeGreaterThan(1_000_000);
    expect(refusal(() => verifyImage(bomb, {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'decompression-bomb',
    });
    expect(refusal(() => verifyImage(jpegOf(200, 100), {}, 10_000))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'too-many-pixels',
    });
  });

  it('refuses a file whose content type or name lies about it', () => {
    expect(refusal(() => verifyImage(jpegOf(), { mimeType: 'image/png' }, MAX_PIXELS)).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    expect(refusal(() => verifyImage(pngOf(), { filename: 'photo.jpg' }, MAX_PIXELS)).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    expect(refusal(() => verifyImage(pngOf(), { filename: 'page.html' }, MAX_PIXELS)).code).toBe(
      'IMAGE_TYPE_MISMATCH',
    );
    // WeChat's uploadFile may say nothing of the type: the bytes decide.
    expect(
      verifyImage(pngOf(), { mimeType: 'application/octet-stream', filename: 'tmp' }, MAX_PIXELS).contentType,
    ).toBe('image/png');
  });

  it('refuses a truncated or damaged image', () => {
    const jpeg = jpegOf();
    expect(refusal(() => verifyImage(jpeg.subarray(0, jpeg.length - 40), {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
    const png = Buffer.from(pngOf());
    png[40] = (png[40] as number) ^ 0xff; // inside IDAT: its CRC no longer matches
    expect(refusal(() => verifyImage(png, {}, MAX_PIXELS))).toEqual({
      code: 'IMAGE_INVALID',
      why: 'corrupt',
    });
  });
});
