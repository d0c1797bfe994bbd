import { AppError } from '@rallyboard/core/protocol';
import busboy from 'busboy';
import type { Request } from 'express';

/** One file a multipart/form-data request carried (`wx.uploadFile`'s `name` field). */
export interface UploadedFile {
  bytes: Buffer;
  /** The part's file name and content type, as the client declared them (not to be trusted). */
  filename: string | undefined;
  mimeType: string | undefined;
}

export interface UploadSpec {
  /** The form field the file comes in. */
  field: string;
  /** The most bytes the file may have; more is refused with IMAGE_TOO_LARGE. */
  maxBytes: number;
}

/** Other form fields (wx.uploadFile's `formData`) read and ignored: a few, and short. */
const FIELD_LIMITS = { fields: 8, fieldSize: 1_024, parts: 10, files: 1, headerPairs: 50 };

/**
 * Reads the one file of a multipart/form-data body (streamed: no more than `maxBytes` is held),
 * after the route has authenticated its caller. Refuses another content type
 * (UNSUPPORTED_MEDIA_TYPE), a body without the file or with more than one (INVALID_INPUT), a
 * file over the limit (IMAGE_TOO_LARGE), and a malformed body (INVALID_INPUT).
 */
export function readUpload(req: Request, spec: UploadSpec): Promise<UploadedFile> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(
      new AppError('UNSUPPORTED_MEDIA_TYPE', {
        message: `Send the file as multipart/form-data, in the field "${spec.field}".`,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { ...FIELD_LIMITS, fileSize: spec.maxBytes } });
    } catch (cause) {
      reject(new AppError('INVALID_INPUT', { message: 'The multipart body has no boundary.', cause }));
      return;
    }
    let file: UploadedFile | undefined;
    let failure: AppError | undefined;
    const fail = (error: AppError) => {
      failure ??= error;
    };
    parser.on('file', (name, stream, info) => {
      // A body cut short ends its file with an error: heard here, never left unheard (it would crash).
      stream.on('error', () => fail(new AppError('INVALID_INPUT', { message: 'The upload broke off.' })));
      if (name !== spec.field) {
        fail(
          new AppError('INVALID_INPUT', {
            details: [{ path: `body.${name}`, message: 'is not a field of this upload' }],
          }),
        );
        stream.resume();
        return;
      }
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('limit', () =>
        fail(new AppError('IMAGE_TOO_LARGE', { details: { limitBytes: spec.maxBytes } })),
      );
      stream.on('end', () => {
        file = { bytes: Buffer.concat(parts), filename: info.filename, mimeType: info.mimeType };
      });
    });
    parser.on('filesLimit', () =>
      fail(
        new AppError('INVALID_INPUT', { details: [{ path: 'body', message: 'send one file at a time' }] }),
      ),
    );
    parser.on('partsLimit', () =>
      fail(new AppError('INVALID_INPUT', { details: [{ path: 'body', message: 'too many parts' }] })),
    );
    parser.on('error', (cause) =>
      reject(
        failure ?? new AppError('INVALID_INPUT', { message: 'The multipart body is malformed.', cause }),
      ),
    );
    parser.on('close', () => {
      if (failure) reject(failure);
      else if (!file || file.bytes.length === 0) {
        reject(
          new AppError('INVALID_INPUT', {
            details: [{ path: `body.${spec.field}`, message: 'is required' }],
          }),
        );
      } else resolve(file);
    });
    // A client gone before its body is read (while its token was checked) never ends it.
    if (req.destroyed || req.readableAborted) {
      reject(new AppError('INVALID_INPUT', { message: 'The upload broke off.' }));
      return;
    }
    const broke = () => reject(new AppError('INVALID_INPUT', { message: 'The upload broke off.' }));
    req.on('error', broke);
    req.on('aborted', broke);
    req.pipe(parser);
  });
}
