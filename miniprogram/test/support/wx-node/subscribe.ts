import type { Callback } from './callbacks.js';

/** What a user answers one template in WeChat's subscribe prompt. */
export type SubscribeAnswer = 'accept' | 'reject' | 'ban' | 'filter';

/**
 * wx.requestSubscribeMessage: WeChat's prompt, answered as the test says (accept by default), or
 * failing as when the user turned subscriptions off (`off`). Each prompt is recorded. An accept
 * is handed to `onAccept`, which tells the fake WeChat server (acceptSubscription), as WeChat's
 * own servers learn of it.
 */
export function createWxSubscribe(onAccept: (templateId: string) => void = () => undefined) {
  const answers = new Map<string, SubscribeAnswer>();
  const prompts: string[][] = [];
  const state = { off: false };
  const wx = {
    requestSubscribeMessage: (o: {
      tmplIds: string[];
      success?: Callback<Record<string, string>>;
      fail?: Callback<{ errMsg: string; errCode: number }>;
    }) => {
      prompts.push([...o.tmplIds]);
      setTimeout(() => {
        if (state.off) {
          o.fail?.({ errMsg: 'requestSubscribeMessage:fail switch is off', errCode: 20004 });
          return;
        }
        const result: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
        for (const id of o.tmplIds) {
          result[id] = answers.get(id) ?? 'accept';
          if (result[id] === 'accept') onAccept(id);
        }
        o.success?.(result);
      }, 0);
    },
  };
  return { wx, answers, prompts, state };
}
