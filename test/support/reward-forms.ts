import type { Locator } from 'playwright-core';

/** One of the 奖励 tab's add forms, as the console tests drive it. */
export interface RewardForm {
  form: string;
  /** The path the add posts to, under the campaign. */
  path: string;
  button: string;
  /** Fills the form with what its own checks accept; the last field filled takes the Enter. */
  fill(form: Locator): Promise<Locator>;
  /** The host's list of what the form adds (under the campaign), and its field. */
  list: { path: string; field: string };
}

export const REWARD_FORMS: RewardForm[] = [
  {
    form: '添加抽奖',
    path: '/lotteries',
    list: { path: '/host/lotteries', field: 'lotteries' },
    button: '添加抽奖',
    async fill(form) {
      await form.getByLabel('抽奖名称').fill('终场抽奖');
      const prize = form.getByLabel('奖品 1 名称');
      await prize.fill('一等奖');
      return prize;
    },
  },
  {
    form: '添加配捐',
    path: '/matches',
    list: { path: '/host/matches', field: 'matches' },
    button: '添加配捐',
    async fill(form) {
      await form.getByLabel('赞助方').fill('爱心企业');
      await form.getByLabel('用途').fill('图书角');
      await form.getByLabel('每票配捐(元)').fill('0.5');
      const cap = form.getByLabel('上限(元)');
      await cap.fill('1000');
      return cap;
    },
  },
  {
    form: '添加奖励规则',
    path: '/reward-rules',
    list: { path: '/host/reward-rules', field: 'rules' },
    button: '添加规则',
    async fill(form) {
      const name = form.getByLabel('规则名称');
      await name.fill('每日积分');
      return name;
    },
  },
  {
    form: '添加券池',
    path: '/coupon-pools',
    list: { path: '/coupon-pools', field: 'pools' },
    button: '添加券池',
    async fill(form) {
      await form.getByLabel('券池名称').fill('奶茶券');
      await form.getByLabel('有效期至').fill('2099-06-30');
      return form.getByLabel('券池名称');
    },
  },
  {
    form: '添加解锁内容',
    path: '/unlockables',
    list: { path: '/unlockables', field: 'items' },
    button: '添加解锁内容',
    async fill(form) {
      await form.getByLabel('内容文字').fill('排练那天的花絮');
      const title = form.getByLabel('标题');
      await title.fill('花絮');
      return title;
    },
  },
];
