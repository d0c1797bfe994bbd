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
/** Counts show()s: a render that ends after a newer one began is not the view on the page. */
let generation = 0;

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

/**
 * Renders the view the URL fragment names; signed-out hosts always see the login. Each view goes
 * in a container of its own: a view still loading when the host moves on (a campaign's GET) ends
 * into a container the next show() took off the page, and its cleanup runs at once. Until
 * 2026-12-07 both views were added to the page and the later one's cleanup took the place of the
 * other's, whose polls, socket and listeners then ran on for good.
 */
async function show(): Promise<void> {
  const mine = ++generation;
  cleanup?.();
  cleanup = undefined;
  const route: Route = parseRoute(location.hash, loadSession() !== undefined);
  if (route.view === 'login' && location.hash !== '#/login') {
    location.replace('#/login');
    return;
  }
  renderAccount();
  const view = h('div', { class: 'view' });
  app.replaceChildren(view);
  const done = (c: Cleanup | undefined) => {
    if (mine === generation) {
      cleanup = c;
      return;
    }
    c?.();
    view.remove();
  };
  switch (route.view) {
    case 'login':
      done(renderLogin(view));
      break;
    case 'campaigns':
      done(await renderCampaignList(view));
      break;
    case 'new':
      done(renderCampaignForm(view, undefined));
      break;
    case 'password':
      done(renderPassword(view));
      break;
    case 'wechat':
      done(renderWeChatBinding(view));
      break;
    case 'campaign':
      done(await renderCampaignPage(view, route.campaignId, route.tab));
      break;
  }
  // Keyboard and screen-reader users land at the top of the new view.
  if (mine === generation) app.focus({ preventScroll: true });
}

whenSignedOut(() => {
  location.hash = '#/login';
});
window.addEventListener('hashchange', () => void show());
void show();
