import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../protocol/errors.js';
import { ERROR_MESSAGES, messageFor, rejectionReason } from '../../services/messages.js';

describe('the Chinese error messages', () => {
  it('give every catalogue code a message in Chinese', () => {
    for (const code of ERROR_CODES) expect(ERROR_MESSAGES[code], code).toMatch(/[\u4e00-\u9fff]/);
  });

  it('say which quota ran out and when it comes back, in the board’s time', () => {
    const resetsAt = '2026-06-01T16:00:00.000Z'; // midnight in Shanghai
    expect(messageFor('QUOTA_EXCEEDED', { limit: 'perDay', resetsAt })).toBe(
      '今天的票已经投完了，00:00 后恢复',
    );
    expect(messageFor('QUOTA_EXCEEDED', { limit: 'perCandidatePerDay', resetsAt })).toBe(
      '今天给 TA 的票已经投满了，可以支持其他选手，00:00 后恢复',
    );
    expect(messageFor('QUOTA_EXCEEDED', { limit: 'total', resetsAt: null })).toBe(
      '本次活动你的票已全部投完，感谢参与',
    );
    expect(messageFor('QUOTA_EXCEEDED')).toBe('你的票已经用完了');
  });

  it('say how long to wait when rate limited', () => {
    expect(messageFor('RATE_LIMITED', { scope: 'voter', retryAfterSeconds: 30 })).toBe(
      '操作太频繁了，请 30 秒后再试',
    );
  });

  it('explain a rejected vote by its reason, and a reason they do not know plainly', () => {
    expect(rejectionReason('CAMPAIGN_NOT_LIVE')).toBe('活动当前不在投票时间内');
    expect(rejectionReason('SOMETHING_NEW')).toBe('未通过校验');
  });
});
