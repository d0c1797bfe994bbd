import type { HostBindingCodeView, HostWeChatView } from '@rallyboard/core/protocol';
import { ApiError, api } from '../api.js';
import type { Cleanup } from '../cleanup.js';
import { confirmDialog, h, toast } from '../dom.js';
import { formatTime } from '../format.js';

/** How often the page asks whether the code was redeemed, while one is shown. */
const POLL_MS = 3_000;
/** How long a binding code is good for (the server's ten minutes). */
const CODE_LIFE_MS = 600_000;

/**
 * The host's WeChat binding (绑定微信). WeChat's content check of the candidate names and
 * descriptions the host saves runs as the bound WeChat user's, so saving them needs one. A code
 * (ten minutes, single use) is typed in the mini-program's 绑定主办方账号 page by that user; the
 * page then sees the binding on its own.
 */
export function renderWeChatBinding(app: HTMLElement): Cleanup {
  const state = h('p', { class: 'wechat-state', role: 'status' }, '正在读取…');
  const codeBox = h('div', { class: 'binding-code' });
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const issue = h('button', { type: 'button', class: 'primary wide' }, '获取绑定码');
  const unbind = h('button', { type: 'button', class: 'danger', hidden: true }, '解除绑定');
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  const refresh = async (): Promise<HostWeChatView | undefined> => {
    try {
      const view = await api<HostWeChatView>('GET', '/api/host/wechat');
      state.textContent = view.bound
        ? `已绑定微信（${formatTime(view.boundAt ?? '')} 绑定）。候选名称和介绍以该微信用户的身份送检；保存前该用户需在两小时内打开过小程序。`
        : '尚未绑定微信。保存候选名称和介绍前，须先绑定：微信要求以发布者本人的身份检测内容。';
      state.dataset.bound = String(view.bound);
      unbind.hidden = !view.bound;
      problem.textContent = '';
      return view;
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '读取失败';
      return undefined;
    }
  };

  issue.addEventListener('click', async () => {
    problem.textContent = '';
    issue.disabled = true;
    try {
      const code = await api<HostBindingCodeView>('POST', '/api/host/wechat');
      // A binding made with this code is newer than the code (server times, both).
      const issuedAt = Date.parse(code.expiresAt) - CODE_LIFE_MS;
      codeBox.replaceChildren(
        h('p', { class: 'binding-code-value', 'aria-label': '绑定码' }, code.code),
        h(
          'p',
          { class: 'muted' },
          `用要绑定的微信打开小程序，在「我的报名」页点「绑定主办方账号」，输入此码。${formatTime(code.expiresAt)} 前有效，只能使用一次。`,
        ),
      );
      stop();
      timer = setInterval(async () => {
        if (Date.parse(code.expiresAt) <= Date.now()) {
          stop();
          codeBox.replaceChildren(h('p', { class: 'muted' }, '绑定码已过期，请重新获取。'));
          return;
        }
        const now = await refresh();
        if (now?.bound && Date.parse(now.boundAt ?? '') >= issuedAt) {
          stop();
          codeBox.replaceChildren();
          toast('微信已绑定');
        }
      }, POLL_MS);
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '获取失败';
    } finally {
      issue.disabled = false;
    }
  });

  unbind.addEventListener('click', async () => {
    const sure = await confirmDialog({
      title: '解除微信绑定',
      message: '解除后，保存候选名称和介绍前须重新绑定微信。',
      confirm: '解除绑定',
      danger: true,
    });
    if (!sure) return;
    try {
      await api('DELETE', '/api/host/wechat');
      toast('已解除绑定');
      await refresh();
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : '解除失败';
    }
  });

  app.append(
    h(
      'div',
      { class: 'login-wrap' },
      h(
        'section',
        { class: 'card login', 'aria-labelledby': 'wechat-title' },
        h('h1', { id: 'wechat-title' }, '绑定微信'),
        state,
        codeBox,
        problem,
        issue,
        unbind,
      ),
    ),
  );
  void refresh();
  return stop;
}
