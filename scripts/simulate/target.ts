// The simulator attacks our own defences on a local instance, never anything else: every URL
// it is given or finds must name this machine's loopback.

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class NotLocalError extends Error {}

/** The URL if it is http(s) on 127.0.0.1, localhost or ::1; else throws NotLocalError. */
export function localHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NotLocalError(`${what}: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NotLocalError(`${what}: only http(s) URLs, not ${url.protocol}`);
  }
  if (!LOCAL_HOSTS.has(url.hostname.toLowerCase())) {
    throw new NotLocalError(
      `${what}: "${url.hostname}" is not local; the simulator only targets 127.0.0.1, localhost or ::1`,
    );
  }
  if (url.username || url.password) throw new NotLocalError(`${what}: no credentials in the URL`);
  return url;
}

/** Checks a mongodb:// or redis:// URI names only local hosts (mongodb+srv is never local). */
export function assertLocalServiceUri(text: string, what: string): void {
  const match = /^(mongodb|redis|rediss):\/\/(?:[^@/]*@)?([^/?]*)/.exec(text);
  if (!match) throw new NotLocalError(`${what}: expected a mongodb:// or redis:// URI naming local hosts`);
  const hosts = (match[2] ?? '').split(',').map((h) => h.replace(/:\d+$/, '').toLowerCase());
  const foreign = hosts.filter((h) => !LOCAL_HOSTS.has(h));
  if (hosts.length === 0 || foreign.length > 0) {
    throw new NotLocalError(
      `${what}: ${foreign.join(', ') || 'no host'} is not local; the simulator only touches local services`,
    );
  }
}
