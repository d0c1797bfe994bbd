import { describe, expect, it } from 'vitest';
import { type GateLimits, Gates } from '../../../simulate/sweep/gates.js';

const limits = (over: Partial<GateLimits> = {}): GateLimits => ({
  loginCeilingPerIp: { points: 3, durationMs: 60_000 },
  loginPerDevice: { points: 0, durationMs: 60_000 },
  votePerIp: { points: 100, durationMs: 60_000 },
  votePerDevice: { points: 100, durationMs: 60_000 },
  votePerVoter: { points: 100, durationMs: 60_000 },
  ...over,
});

describe('the gates in virtual time', () => {
  it('refuse sign-ins past a budget within its window, and let them through when a new window opens', () => {
    const gates = new Gates(limits(), 10);
    const answers = [0, 1, 2, 3].map((i) => gates.login(i * 1_000, '1.2.3.4', `dev-${i}`).ok);
    expect(answers).toEqual([true, true, true, false]);
    expect(gates.login(61_000, '1.2.3.4', 'dev-9').ok).toBe(true);
    // Another address has its own budget; a budget of 0 is off.
    expect(gates.login(3_500, '5.6.7.8', 'dev-3').ok).toBe(true);
  });

  it('answer QUOTA_EXCEEDED past the daily quota and RATE_LIMITED past a rate', () => {
    const gates = new Gates(limits({ votePerVoter: { points: 2, durationMs: 60_000 } }), 3);
    expect(gates.vote(0, 'v', '1.2.3.4', 'd').ok).toBe(true);
    expect(gates.vote(1, 'v', '1.2.3.4', 'd').ok).toBe(true);
    expect(gates.vote(2, 'v', '1.2.3.4', 'd')).toEqual({ ok: false, code: 'RATE_LIMITED' });
    expect(gates.vote(70_000, 'v', '1.2.3.4', 'd').ok).toBe(true);
    expect(gates.vote(70_001, 'v', '1.2.3.4', 'd')).toEqual({ ok: false, code: 'QUOTA_EXCEEDED' });
  });
});
