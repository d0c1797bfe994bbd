import './console.css';
import { api, clearSession, loadSession, whenSignedOut } from './api.js';
import type { Cleanup } from './cleanup.js';
import { h } from './dom.js';
import { parseRoute, type Route } from './routes.js';
import { renderCampaignForm } from './views/campaign-form/campaign-form.js';
import { renderCampaignList } from './views/campaign-list.js';
import { renderCampaignPage } from './views/campaign-page.js';
import { renderLogin } from './views/login.js';
import { renderPassword } from './views/password.js';
import { renderWeChatBinding } from './views/wechat.js';

const app = document.getElementById('app') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
let cleanup: Cleanup | undefined;

/**
 * Signs out on the server (every token of this host's is revoked, in every browser), then here.
 * The session ends here even when the server cannot be reached: the token is forgotten.
 */
async function signOut(): Promise<void> {
  try {
    await api('POST', '/api/host/logout');
  } catch {
    // Already signed out, or offline: nothing more to undo.
  }
  clearSession();
  location.hash = '#/login';
}

function renderAccount(): void {
  const session = loadSession();
  account.replaceChildren(
    ...(session
      ? [
          h(
            'span',
            { class: 'who' },
            `${session.host.username}${session.host.role === 'admin' ? '（管理员）' : ''}`,
          ),
          h('a', { class: 'link', href: '#/wechat' }, '绑定微信'),
          h('a', { class: 'link', href: '#/password' }, '修改密码'),
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () => void signOut(),
            },
            '退出登录',
          ),
        ]
      : []),
  );
}

/** Renders the view the URL fragment names; signed-out hosts always see the login. */
async function show(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  const route: Route = parseRoute(location.hash, loadSession() !== undefined);
  if (route.view === 'login' && location.hash !== '#/login') {
    location.replace('#/login');
    return;
  }
  renderAccount();
  app.replaceChildren();
  const done = (c: Cleanup | undefined) => {
    cleanup = c;
  };
  switch (route.view) {
    case 'login':
      done(renderLogin(app));
      break;
    case 'campaigns':
      done(await renderCampaignList(app));
      break;
    case 'new':
      done(renderCampaignForm(app, undefined));
      break;
    case 'password':
      done(renderPassword(app));
      break;
    case 'wechat':
      done(renderWeChatBinding(app));
      break;
    case 'campaign':
      done(await renderCampaignPage(app, route.campaignId, route.tab));
      break;
  }
  // Keyboard and screen-reader users land at the top of the new view.
  app.focus({ preventScroll: true });
}

whenSignedOut(() => {
  location.hash = '#/login';
});
window.addEventListener('hashchange', () => void show());
void show();
