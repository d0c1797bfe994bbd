import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../services/sha256.js';

describe('sha256Hex', () => {
  it('agrees with SHA-256 over UTF-8 at every padding boundary, in Chinese and with emoji', () => {
    const inputs = ['', 'abc', '投票', 'brand=devtools\nmodel=iPhone 15', '👍 点赞'];
    for (const length of [55, 56, 63, 64, 65, 119, 120, 1000]) inputs.push('x'.repeat(length));
    for (const input of inputs) {
      expect(sha256Hex(input), JSON.stringify(input)).toBe(
        createHash('sha256').update(input, 'utf8').digest('hex'),
      );
    }
  });
});
