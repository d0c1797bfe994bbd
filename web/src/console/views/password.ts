import { changePasswordBodySchema, type HostLogin, toFieldIssues } from '@rallyboard/core/protocol';
import { ApiError, api, saveSession } from '../api.js';
import { field, h, input } from '../dom.js';
import { issuesByField, showIssues } from '../form-errors.js';

const password = (name: string, autocomplete: 'current-password' | 'new-password') =>
  input({ name, type: 'password', autocomplete, required: true });

/**
 * The host's own password: the current one, the new one twice. The server's schema and the
 * confirmation are checked first; a wrong current password (PASSWORD_INCORRECT) shows on its field.
 * A change revokes every token of the host's, in every browser, and answers a new one for this
 * page, which the session keeps: this tab stays signed in, every other one is signed out.
 */
export function renderPassword(app: HTMLElement): undefined {
  const fields = {
    currentPassword: field('当前密码', password('currentPassword', 'current-password')),
    newPassword: field('新密码', password('newPassword', 'new-password'), '至少 10 个字符'),
    confirmation: field('确认新密码', password('confirmation', 'new-password')),
  };
  const problem = h('div', { class: 'form-error', role: 'alert' });
  const done = h('p', { class: 'form-ok', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, '保存新密码');
  const show = (issues: Map<string, string>) =>
    showIssues(issues, {
      fields: Object.values(fields),
      fieldOf: (path) => (path in fields ? fields[path as keyof typeof fields] : undefined),
      problem,
    });

  const save = async (event: Event) => {
    event.preventDefault();
    done.textContent = '';
    const body = {
      currentPassword: fields.currentPassword.control.value,
      newPassword: fields.newPassword.control.value,
    };
    const checked = changePasswordBodySchema.safeParse(body);
    const issues = checked.success ? new Map<string, string>() : issuesByField(toFieldIssues(checked.error));
    if (!issues.has('newPassword') && fields.confirmation.control.value !== body.newPassword) {
      issues.set('confirmation', '两次输入的新密码不一致');
    }
    show(issues);
    if (issues.size > 0) return;
    submit.disabled = true;
    try {
      const login = await api<HostLogin>('POST', '/api/host/password', body);
      saveSession({ token: login.token, expiresAt: login.expiresAt, host: login.host });
      for (const f of Object.values(fields)) f.control.value = '';
      done.textContent = '密码已修改。本页面保持登录，其他设备和浏览器上的登录均已退出。';
    } catch (error) {
      if (error instanceof ApiError && error.code === 'PASSWORD_INCORRECT') {
        show(new Map([['currentPassword', error.message]]));
        fields.currentPassword.control.select();
      } else if (error instanceof ApiError && error.issues.length > 0) show(issuesByField(error.issues));
      else problem.textContent = error instanceof ApiError ? error.message : '修改失败';
    } finally {
      submit.disabled = false;
    }
  };

  app.append(
    h(
      'div',
      { class: 'login-wrap' },
      h(
        'form',
        { class: 'card login', 'aria-labelledby': 'password-title', novalidate: true, onsubmit: save },
        h('h1', { id: 'password-title' }, '修改密码'),
        h('p', { class: 'muted' }, '修改后，其他设备和浏览器上的登录都会退出'),
        fields.currentPassword.wrap,
        fields.newPassword.wrap,
        fields.confirmation.wrap,
        problem,
        done,
        submit,
      ),
    ),
  );
  fields.currentPassword.control.focus();
  return undefined;
}
