import type { HostLogin } from '@rallyboard/core/protocol';
import { ApiError, api, saveSession } from '../api.js';
import { field, h, input } from '../dom.js';

/** The sign-in form: username and password, then the campaign list. */
export function renderLogin(app: HTMLElement): undefined {
  const username = field('用户名', input({ name: 'username', autocomplete: 'username', required: true }));
  const password = field(
    '密码',
    input({ name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
  );
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, '登录');
  const form = h(
    'form',
    {
      class: 'card login',
      'aria-labelledby': 'login-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        problem.textContent = '';
        submit.disabled = true;
        try {
          const login = await api<HostLogin>('POST', '/api/host/login', {
            username: username.control.value.trim(),
            password: password.control.value,
          });
          saveSession({ token: login.token, expiresAt: login.expiresAt, host: login.host });
          location.hash = '#/campaigns';
        } catch (error) {
          problem.textContent = error instanceof ApiError ? error.message : '登录失败';
          password.control.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', { id: 'login-title' }, '主办方登录'),
    h('p', { class: 'muted' }, '管理投票活动、实时监控与审核'),
    username.wrap,
    password.wrap,
    problem,
    submit,
  );
  app.append(h('div', { class: 'login-wrap' }, form));
  username.control.focus();
  return undefined;
}
