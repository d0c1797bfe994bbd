import { looksLikeCode, redeemHostBinding } from '../../services/host-binding.js';
import { ApiError } from '../../services/request.js';
import { definePage } from '../../utils/page.js';

/**
 * 绑定主办方账号: a host binds the WeChat it uses to its console account, typing the code the
 * console shows (a link or code carrying it as the page's `scene` fills it in).
 */
definePage()({
  data: { code: '', busy: false, problem: '', boundTo: '' },
  methods: {
    onLoad(query: Record<string, string | undefined>): void {
      const scanned = query.scene ? decodeURIComponent(query.scene) : (query.code ?? '');
      this.setData({ code: scanned.toUpperCase() });
    },
    inputCode(event: WechatMiniprogram.Input): void {
      this.setData({ code: event.detail.value.toUpperCase(), problem: '' });
    },
    async tapBind(): Promise<void> {
      if (this.data.busy) return;
      if (!looksLikeCode(this.data.code)) {
        this.setData({ problem: '请输入管理后台显示的 8 位绑定码' });
        return;
      }
      this.setData({ busy: true, problem: '' });
      try {
        const username = await redeemHostBinding(this.data.code);
        this.setData({ busy: false, boundTo: username });
      } catch (error) {
        this.setData({
          busy: false,
          problem: error instanceof ApiError ? error.message : '绑定失败，请稍后重试',
        });
      }
    },
  },
});
