import type { Callback } from './callbacks.js';

/** Toasts, modals (confirmed at once) and navigation: recorded, for tests to read. */
export function createWxUi() {
  const shown: string[] = [];
  const navigations: string[] = [];

  const wx = {
    showToast: (o: { title: string }) => void shown.push(o.title),
    showModal: (o: {
      title?: string;
      content?: string;
      success?: Callback<{ confirm: boolean; cancel: boolean }>;
    }) => {
      shown.push([o.title, o.content].filter(Boolean).join('：'));
      setTimeout(() => o.success?.({ confirm: true, cancel: false }), 0);
    },
    showLoading: () => undefined,
    hideLoading: () => undefined,
    stopPullDownRefresh: () => undefined,
    setNavigationBarTitle: () => undefined,
    showShareMenu: () => undefined,
    navigateTo: (o: { url: string }) => void navigations.push(o.url),
    redirectTo: (o: { url: string }) => void navigations.push(o.url),
  };

  return { wx, shown, navigations };
}
