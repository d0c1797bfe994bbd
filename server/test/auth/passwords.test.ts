import { AppError } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { createPasswordWork, hashPassword, verifyNothing, verifyPassword } from '../../src/auth/passwords.js';

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

describe('password work through the gate', () => {
  const settle = <T>(promise: Promise<T>) =>
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );

  it('runs as many hashes as allowed, queues as many more, and refuses the rest with RATE_LIMITED at once', async () => {
    const stored = await hashPassword('secret password');
    const work = createPasswordWork({ concurrency: 1, queue: 1 });
    const order: string[] = [];
    const [running, queued, refused] = (['running', 'queued', 'refused'] as const).map((name, i) =>
      settle(work.verify(i === 1 ? 'wrong password' : 'secret password', stored)).finally(() =>
        order.push(name),
      ),
    );
    const refusal = await refused;
    // Refused before any work: before the hash that was running could finish.
    expect(order).toEqual(['refused']);
    expect(refusal).toEqual({ error: expect.any(AppError) });
    const error = (refusal as { error: AppError }).error;
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details).toEqual({ scope: 'password-work', retryAfterSeconds: 1 });
    expect(await running).toEqual({ value: true });
    expect(await queued).toEqual({ value: false });
    // The slots are free again.
    expect(await work.verify('secret password', stored)).toBe(true);
  });

  it('runs queued work one turn at a time, in order', async () => {
    const stored = await hashPassword('secret password');
    const work = createPasswordWork({ concurrency: 1, queue: 3 });
    const finished: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) => work.verify('secret password', stored).then(() => finished.push(i))),
    );
    expect(finished).toEqual([0, 1, 2, 3]);
  });

  it('counts the decoy check of an unknown username like any other, so a full gate refuses both alike', async () => {
    const stored = await hashPassword('secret password');
    const work = createPasswordWork({ concurrency: 1, queue: 0 });
    const decoy = work.verifyNothing('any password');
    await expect(work.verify('secret password', stored)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await decoy).toBe(false);
    const real = work.verify('secret password', stored);
    await expect(work.verifyNothing('any password')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await real).toBe(true);
  });

  it('hashes new passwords through the same gate', async () => {
    const work = createPasswordWork({ concurrency: 1, queue: 0 });
    const hashing = work.hash('a new password');
    await expect(work.hash('another password')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(await verifyPassword('a new password', await hashing)).toBe(true);
  });
});
