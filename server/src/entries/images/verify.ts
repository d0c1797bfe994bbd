import { AppError } from '@rallyboard/core/protocol';
import { type CleanImage, invalid } from './errors.js';
import { cleanJpeg } from './jpeg.js';
import { cleanPng } from './png.js';

export type { CleanImage } from './errors.js';

/** What the upload said the file is: its part's content type and file name. */
export interface Declared {
  mimeType?: string | undefined;
  filename?: string | undefined;
}

type ImageType = CleanImage['contentType'];

/** The type the bytes are, by their magic number. */
function sniff(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return 'image/png';
  }
  return undefined;
}

const BY_EXTENSION: Readonly<Record<string, ImageType>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};
/** Content types that claim nothing (WeChat's uploadFile may send either). */
const UNDECLARED = new Set(['application/octet-stream', 'binary/octet-stream', '']);

/** The type the upload claims, if it claims one; `other` when it names a type that is not an image we take. */
function declaredType(declared: Declared): { by: 'content-type' | 'name'; type: ImageType | 'other' }[] {
  const claims: { by: 'content-type' | 'name'; type: ImageType | 'other' }[] = [];
  const mime = declared.mimeType?.toLowerCase().split(';')[0]?.trim() ?? '';
  if (!UNDECLARED.has(mime)) {
    claims.push({
      by: 'content-type',
      type:
        mime === 'image/jpg' ? 'image/jpeg' : mime === 'image/jpeg' || mime === 'image/png' ? mime : 'other',
    });
  }
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(declared.filename ?? '')?.[1]?.toLowerCase();
  if (extension !== undefined) claims.push({ by: 'name', type: BY_EXTENSION[extension] ?? 'other' });
  return claims;
}

/**
 * Checks an uploaded file is a whole JPEG or PNG of at most `maxPixels`, and that it is what
 * its upload declared, and answers it rewritten without metadata (EXIF and the rest are dropped).
 * Throws IMAGE_INVALID (with `details.why`) or IMAGE_TYPE_MISMATCH.
 */
export async function verifyImage(bytes: Buffer, declared: Declared, maxPixels: number): Promise<CleanImage> {
  const type = sniff(bytes);
  if (!type) throw invalid('not-an-image');
  const lie = declaredType(declared).find((claim) => claim.type !== type);
  if (lie) {
    throw new AppError('IMAGE_TYPE_MISMATCH', {
      details: {
        declaredBy: lie.by,
        declared: lie.by === 'name' ? declared.filename : declared.mimeType,
        actual: type,
      },
    });
  }
  return type === 'image/jpeg' ? cleanJpeg(bytes, maxPixels) : cleanPng(bytes, maxPixels);
}
