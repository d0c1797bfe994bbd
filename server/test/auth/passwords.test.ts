import { describe, expect, it } from 'vitest';
import { hashPassword, verifyNothing, verifyPassword } from '../../src/auth/passwords.js';

describe('host passwords', () => {
  it('are stored as scrypt$N$r$p$salt$hash and verify only the password they came from', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('get a salt of their own: one password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('treat the composed and decomposed forms of a character as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword('cafe\u0301 au lait', stored)).toBe(true);
  });

  it('match nothing against a malformed or over-costly stored hash', async () => {
    const stored = await hashPassword('secret password');
    const [, n, r, p, salt, hash] = stored.split('$');
    for (const bad of [
      '',
      'not a hash',
      `bcrypt$${n}$${r}$${p}$${salt}$${hash}`,
      `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${hash}`, // past the cost a hash may ask for
      `scrypt$${n}$${r}$${p}$${salt}$`,
      `${stored}$extra`,
    ]) {
      expect(await verifyPassword('secret password', bad), bad).toBe(false);
    }
  });

  it('can spend a verification on nothing, for a username that does not exist', async () => {
    expect(await verifyNothing('any password')).toBe(false);
  });
});
