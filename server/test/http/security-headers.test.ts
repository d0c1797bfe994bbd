import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';
import { createTestHost } from '../support/hosts.js';

const config = testConfig();
let server: TestServer;
let queuesCookie: string;

beforeAll(async () => {
  server = await startTestServer(config);
  const admin = await createTestHost(server, 'admin');
  const res = await fetch(`${server.url}/api/admin/queue-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}` },
  });
  queuesCookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});
afterAll(async () => {
  await server?.close();
});

/** The pages a browser opens, and what they load. */
const PAGES = [
  '/console',
  `/screen/${randomId('c')}`,
  '/api/docs',
  '/api/docs/init.js',
  '/admin/queues/',
  '/web/console.js',
  '/api/openapi.json',
];

/** The Content-Security-Policy header as a map of directive → sources. */
function directives(header: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name, sources);
  }
  return map;
}

describe('security headers', () => {
  it.each(PAGES)(
    '%s is sent with a CSP that only runs our own scripts and cannot be framed',
    async (path) => {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie: queuesCookie } });
      expect(res.status, path).toBe(200);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('form-action')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      // Socket.io to this origin; candidates' photos from wherever the host keeps them.
      expect(csp.get('connect-src')).toEqual(["'self'"]);
      expect(csp.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:', 'https:']));
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('x-permitted-cross-domain-policies')).toBe('none');
      expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    },
  );

  it('sends the headers on errors too', async () => {
    const res = await fetch(`${server.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(directives(res.headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'none'"]);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('asks for HTTPS only when the request came over TLS, through a proxy TRUST_PROXY trusts', async () => {
    const trusted = await listenApp({
      ...server.deps,
      config: { ...config, http: { ...config.http, trustProxy: ['loopback'] } },
    });
    try {
      const overTls = await fetch(`${trusted.url}/console`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(overTls.headers.get('strict-transport-security')).toBe('max-age=15552000');
      const plain = await fetch(`${trusted.url}/console`);
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await trusted.close();
    }
    // Without TRUST_PROXY, anyone can send the header: it is not believed.
    const spoofed = await fetch(`${server.url}/console`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.headers.get('strict-transport-security')).toBeNull();
  });
});
