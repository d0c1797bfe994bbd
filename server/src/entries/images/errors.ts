import { AppError } from '@rallyboard/core/protocol';

/** Why a file was refused as an image: in IMAGE_INVALID's details. */
export type InvalidImage =
  | 'not-an-image'
  | 'corrupt'
  | 'trailing-data'
  | 'too-many-pixels'
  | 'decompression-bomb';

const WHY: Readonly<Record<InvalidImage, string>> = {
  'not-an-image': 'The file is not a JPEG or a PNG.',
  corrupt: 'The image is damaged or incomplete.',
  'trailing-data': 'The image carries other data after its end (a file hidden in a picture).',
  'too-many-pixels': 'The image has too many pixels.',
  'decompression-bomb': 'The image unpacks to far more than its size says.',
};

export const invalid = (why: InvalidImage): AppError =>
  new AppError('IMAGE_INVALID', { message: WHY[why], details: { why } });

/** An image that passed: its type, size, and its bytes rewritten without metadata. */
export interface CleanImage {
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: Buffer;
}
