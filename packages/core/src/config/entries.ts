import { int } from './fields.js';

/** Participants' entries' variables (docs/entries.md, `.env.example`). */
export const entriesEnv = {
  ENTRY_IMAGE_MAX_BYTES: int(10_000, 10 * 1024 * 1024, 5 * 1024 * 1024),
  ENTRY_IMAGE_MAX_PIXELS: int(10_000, 100_000_000, 40_000_000),
  ENTRY_CHECK_TIMEOUT_MINUTES: int(1, 24 * 60, 60),
  ENTRY_CHECK_RETRY_MS: int(100, 600_000, 10_000),
};

type EntriesEnv = { [K in keyof typeof entriesEnv]: number };

export interface EntryLimits {
  /** The largest image upload, in bytes (WeChat's image check takes up to 10 MB). */
  readonly imageMaxBytes: number;
  /** The most pixels an image may have (a pixel flood is refused before it is decoded anywhere). */
  readonly imageMaxPixels: number;
  /**
   * How long an entry waits for its images' verdicts (WeChat pushes them within about 30
   * minutes) before it goes to the hosts' queue, marked unchecked.
   */
  readonly checkTimeoutMinutes: number;
  /** The first wait before a check WeChat did not answer is asked again; it doubles each time. */
  readonly checkRetryMs: number;
}

export const entryLimitsOf = (e: EntriesEnv): EntryLimits => ({
  imageMaxBytes: e.ENTRY_IMAGE_MAX_BYTES,
  imageMaxPixels: e.ENTRY_IMAGE_MAX_PIXELS,
  checkTimeoutMinutes: e.ENTRY_CHECK_TIMEOUT_MINUTES,
  checkRetryMs: e.ENTRY_CHECK_RETRY_MS,
});
