import { API_BASE, DEFAULT_BOARD_ID } from '../../config';

interface Entry {
  rank: number;
  candidateId: string;
  score: number;
}

interface Leaderboard {
  boardId: string;
  seq: number;
  entries: Entry[];
}

interface ErrorBody {
  error: { code: string; message: string };
}

/** The ranking of one board, read from `GET /api/boards/:boardId/leaderboard`. */
Page({
  data: {
    boardId: DEFAULT_BOARD_ID,
    entries: [] as Entry[],
    loading: true,
    error: '',
  },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load(() => wx.stopPullDownRefresh());
  },

  load(done?: () => void) {
    this.setData({ loading: true, error: '' });
    wx.request<Leaderboard | ErrorBody>({
      url: `${API_BASE}/api/boards/${this.data.boardId}/leaderboard`,
      method: 'GET',
      success: (res) => {
        const body = res.data;
        if (res.statusCode === 200 && typeof body === 'object' && 'entries' in body) {
          this.setData({ entries: body.entries, loading: false });
        } else {
          const message =
            typeof body === 'object' && 'error' in body ? body.error.message : `HTTP ${res.statusCode}`;
          this.setData({ error: `加载失败：${message}`, loading: false });
        }
      },
      fail: () => this.setData({ error: '网络不可用，请稍后下拉重试', loading: false }),
      complete: () => done?.(),
    });
  },
});
