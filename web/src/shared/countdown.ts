/**
 * A countdown as a venue reads it: `3天 04:05:06` beyond a day, `04:05:06` beyond an hour,
 * `05:06` under it, and `00:00` once the time has come (never negative).
 */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock =
    hours > 0 || days > 0
      ? `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`
      : `${pad(minutes)}:${pad(seconds)}`;
  return days > 0 ? `${days}天 ${clock}` : clock;
}

/**
 * The server's clock as seen from here: countdowns run on the server's time, since a venue PC's
 * clock may be minutes off. `serverTime` is the server's at `receivedAt` (this clock).
 */
export function clockOffset(serverTime: string, receivedAt: number): number {
  return Date.parse(serverTime) - receivedAt;
}
