import { readFileSync } from 'node:fs';
import { loadConfig, type MessageTemplate } from '@rallyboard/core/config';
import { NOTIFICATION_EVENTS } from '@rallyboard/core/protocol';
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

  it('opens, unless its template names a page, a page the mini-program has, with what that page reads filled in', () => {
    const app = JSON.parse(
      readFileSync(new URL('../../../miniprogram/app.json', import.meta.url), 'utf8'),
    ) as {
      pages: string[];
    };
    const configured = loadConfig({
      WECHAT_TEMPLATES: JSON.stringify(
        Object.fromEntries(
          NOTIFICATION_EVENTS.map((e) => [e, { templateId: `t-${e}`, data: { thing1: 'campaignTitle' } }]),
        ),
      ),
    }).wechat.templates;
    for (const event of NOTIFICATION_EVENTS) {
      const page = messagePage(configured[event] as MessageTemplate, 'c-1', 'e-1@u-1');
      const [path, query = ''] = page.split('?');
      expect([event, app.pages]).toEqual([event, expect.arrayContaining([path])]);
      expect([event, new URLSearchParams(query).get('campaignId')]).toEqual([event, 'c-1']);
    }
    const suggestion = messagePage(configured['suggestion-progress'] as MessageTemplate, 'c-1', 'e-1@u-1');
    expect(new URLSearchParams(suggestion.split('?')[1]).get('entryId')).toBe('e-1');
  });

  it("writes times as WeChat's time keywords show them, in the campaign's time zone", () => {
    const at = new Date('2026-12-05T12:01:00Z');
    expect(wechatTime(at, 'Asia/Shanghai')).toBe('2026年12月5日 20:01');
    expect(wechatTime(at, 'America/Los_Angeles')).toBe('2026年12月5日 04:01');
    expect(wechatTime(new Date('2026-12-31T16:00:00Z'), 'Asia/Shanghai')).toBe('2027年1月1日 00:00');
  });
});
