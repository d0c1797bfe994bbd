import {
  changePasswordBodySchema,
  createCampaignBodySchema,
  riskSettingsPatchSchema,
  toFieldIssues,
} from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { issuesByField, issueText } from '../../src/console/form-errors.js';

describe('form errors', () => {
  it("put the server's INVALID_INPUT details on the form's fields, without the body. prefix", () => {
    const byField = issuesByField([
      { path: 'body.members.1.imageUrl', message: 'must be an http(s) URL' },
      { path: 'body.schedule.endAt', message: 'must end after it starts' },
      { path: 'body.schedule.endAt', message: 'a second problem' },
      { path: '(root)', message: 'change at least one field' },
    ]);
    expect([...byField]).toEqual([
      ['members.1.imageUrl', '请填写 http(s) 开头的图片地址'],
      ['schedule.endAt', '结束时间必须晚于开始时间'],
      ['', 'change at least one field'],
    ]);
  });

  it("read the same schemas' problems the same way before anything is sent", () => {
    const checked = createCampaignBodySchema.safeParse({
      title: '活动',
      kind: 'vote',
      members: [
        { candidateId: 'a', name: '甲' },
        { candidateId: 'b', name: '乙', imageUrl: 'ftp://x' },
      ],
      schedule: { startAt: '2026-03-02T00:00:00Z', endAt: '2026-03-01T00:00:00Z', timezone: 'Asia/Shanghai' },
    });
    expect(checked.success).toBe(false);
    const byField = issuesByField(toFieldIssues(checked.error ?? new ZodError([])));
    expect(byField.get('members.1.imageUrl')).toBe('请填写 http(s) 开头的图片地址');
    expect(byField.get('schedule.endAt')).toBe('结束时间必须晚于开始时间');
  });

  it('say a number is out of range in Chinese', () => {
    const checked = riskSettingsPatchSchema.safeParse({ reviewAt: 500 });
    const [issue] = toFieldIssues(checked.error ?? new ZodError([]));
    expect(issue?.path).toBe('reviewAt');
    expect(issueText(issue?.message ?? '')).toBe('数值太大');
  });

  it("say a password change's problems in Chinese, on the field they belong to", () => {
    const empty = changePasswordBodySchema.safeParse({ currentPassword: '', newPassword: 'short' });
    expect([...issuesByField(toFieldIssues(empty.error ?? new ZodError([])))]).toEqual([
      ['currentPassword', '不能为空'],
      ['newPassword', '至少需要 10 个字符'],
    ]);
    const same = changePasswordBodySchema.safeParse({
      currentPassword: 'same passphrase',
      newPassword: 'same passphrase',
    });
    expect([...issuesByField(toFieldIssues(same.error ?? new ZodError([])))]).toEqual([
      ['newPassword', '新密码不能与当前密码相同'],
    ]);
  });
});
