import { describe, expect, it } from 'vitest';
import { createScreenTokens } from '../../src/screens/screen-tokens.js';

const secrets = { jwtSecret: 'a-test-secret-that-is-long-enough-for-hs256' };
const unlisted = (screenTokenVersion?: number) => ({
  _id: 'camp-1',
  visibility: 'unlisted' as const,
  ...(screenTokenVersion === undefined ? {} : { screenTokenVersion }),
});

describe('screen tokens', () => {
  it("open their campaign's screen only while the campaign's token version is the one they carry", async () => {
    const tokens = createScreenTokens(secrets);
    const { token } = await tokens.sign(unlisted());
    expect(await tokens.opens(token, unlisted())).toBe(true);
    expect(await tokens.opens(token, unlisted(0))).toBe(true);
    expect(await tokens.opens(token, unlisted(1))).toBe(false);
    expect(await tokens.opens(token, { ...unlisted(), _id: 'camp-2' })).toBe(false);

    const { token: after } = await tokens.sign(unlisted(1));
    expect(await tokens.opens(after, unlisted(1))).toBe(true);
    expect(await tokens.opens(after, unlisted(2))).toBe(false);
  });
});
