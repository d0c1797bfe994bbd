/** The poster's size in CSS pixels; the canvas is that times the pixel ratio. */
const POSTER_WIDTH = 300;
const POSTER_HEIGHT = 480;

/** What a poster shows. */
export interface PosterContent {
  campaignTitle: string;
  candidateName: string;
  /** Local paths (downloaded): the candidate's photo, if any, and the mini-program code. */
  photoPath?: string;
  codePath: string;
}

/** The part of a 2D canvas the poster uses: wx's canvas node (type="2d") has it. */
export interface PosterCanvas {
  width: number;
  height: number;
  getContext(type: '2d'): PosterContext;
  createImage(): { src: string; onload: (() => void) | null; onerror: ((e: unknown) => void) | null };
}

export interface PosterContext {
  fillStyle: string;
  font: string;
  textAlign: 'left' | 'right' | 'center' | 'start' | 'end';
  scale(x: number, y: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number, maxWidth?: number): void;
  drawImage(image: unknown, x: number, y: number, w: number, h: number): void;
}

function load(canvas: PosterCanvas, src: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const image = canvas.createImage();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = src;
  });
}

/**
 * Draws the poster: the candidate's photo, name and campaign, and the mini-program code from
 * the server (which opens the candidate page with the share token as its scene).
 */
export async function drawPoster(
  canvas: PosterCanvas,
  content: PosterContent,
  pixelRatio: number,
): Promise<void> {
  canvas.width = POSTER_WIDTH * pixelRatio;
  canvas.height = POSTER_HEIGHT * pixelRatio;
  const ctx = canvas.getContext('2d');
  ctx.scale(pixelRatio, pixelRatio);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, POSTER_WIDTH, POSTER_HEIGHT);
  ctx.fillStyle = '#e2e8f0';
  ctx.fillRect(0, 0, POSTER_WIDTH, 260);
  if (content.photoPath) ctx.drawImage(await load(canvas, content.photoPath), 0, 0, POSTER_WIDTH, 260);
  ctx.textAlign = 'center';
  ctx.fillStyle = '#0f172a';
  ctx.font = 'bold 22px sans-serif';
  ctx.fillText(content.candidateName, POSTER_WIDTH / 2, 296, POSTER_WIDTH - 32);
  ctx.fillStyle = '#475569';
  ctx.font = '14px sans-serif';
  ctx.fillText(content.campaignTitle, POSTER_WIDTH / 2, 320, POSTER_WIDTH - 32);
  ctx.drawImage(await load(canvas, content.codePath), (POSTER_WIDTH - 110) / 2, 336, 110, 110);
  ctx.fillStyle = '#64748b';
  ctx.font = '12px sans-serif';
  ctx.fillText('长按识别小程序码，为 TA 助力', POSTER_WIDTH / 2, 466);
}

/** wx.downloadFile as a promise: the local path of a URL's content, for 200 answers only. */
export function download(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url,
      success: (res) =>
        res.statusCode === 200 ? resolve(res.tempFilePath) : reject(new Error(`HTTP ${res.statusCode}`)),
      fail: (error) => reject(new Error(error.errMsg)),
    });
  });
}
