import type { MessageTemplate } from '@rallyboard/core/config';
import { describe, expect, it } from 'vitest';
import { messageData, messagePage, wechatTime } from '../../src/notifications/message.js';

const template = (
  data: Record<string, string>,
  page = 'pages/ranking/index?campaignId={campaignId}',
): MessageTemplate => ({
  templateId: 't',
  page,
  data,
});

describe('a subscribe message built from a template', () => {
  it('fills each keyword with the value it names, cut to what its type allows, without splitting a character', () => {
    const data = messageData(
      template({
        thing1: 'campaignTitle',
        name2: 'winnerName',
        phrase3: 'campaignTitle',
        number4: 'winnerScore',
      }),
      {
        campaignTitle: '二〇二六年度校园十佳歌手大赛决赛网络投票🎤🎤',
        winnerName: '欧阳娜娜娜娜娜娜娜娜娜',
        winnerScore: '12345',
      },
    );
    expect(data).toEqual({
      thing1: { value: '二〇二六年度校园十佳歌手大赛决赛网络投…' },
      name2: { value: '欧阳娜娜娜娜娜娜娜…' },
      phrase3: { value: '二〇二六…' },
      number4: { value: '12345' },
    });
    expect([...(data.thing1?.value ?? '')]).toHaveLength(20);
  });

  it('sends a missing value as 0 to a keyword that takes digits only', () => {
    expect(
      messageData(template({ number1: 'winnerScore', amount2: 'winnerScore' }), { winnerScore: '' }),
    ).toEqual({
      number1: { value: '0' },
      amount2: { value: '0' },
    });
  });

  it('keeps a value that fits as it is, and sends a value the event did not give as —', () => {
    expect(
      messageData(template({ thing1: 'campaignTitle', thing2: 'winnerName' }), {
        campaignTitle: '🎤 歌手',
        winnerName: '',
      }),
    ).toEqual({
      thing1: { value: '🎤 歌手' },
      thing2: { value: '—' },
    });
  });

  it('opens the page with the campaign filled in', () => {
    expect(messagePage(template({}), 'c-1')).toBe('pages/ranking/index?campaignId=c-1');
    expect(messagePage(template({}, 'pages/index/index'), 'c-1')).toBe('pages/index/index');
  });

  it("writes times as WeChat's time keywords show them, in the campaign's time zone", () => {
    const at = new Date('2026-12-05T12:01:00Z');
    expect(wechatTime(at, 'Asia/Shanghai')).toBe('2026年12月5日 20:01');
    expect(wechatTime(at, 'America/Los_Angeles')).toBe('2026年12月5日 04:01');
    expect(wechatTime(new Date('2026-12-31T16:00:00Z'), 'Asia/Shanghai')).toBe('2027年1月1日 00:00');
  });
});
