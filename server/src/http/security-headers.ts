import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of every answer. One policy fits all our pages (the console, the
 * big screen, the API docs and bull-board), so it is sent with everything, JSON and errors too:
 * - scripts only from this origin, never inline or eval: the pages are esbuild bundles under
 *   /web/, Swagger UI's starter is a file (/api/docs/init.js), bull-board's scripts are files and
 *   its config is a JSON data block, which no policy runs;
 * - styles from this origin plus inline ones: ECharts and Swagger UI set style attributes and
 *   bull-board's page has a <style> element. (Google Fonts, which bull-board's page asks for, are
 *   refused: no third party learns who opens the queues, and the page falls back to local fonts.)
 * - images also from any http(s) URL and data: — candidates' photos are wherever the host keeps
 *   them (protocol/campaigns.ts takes any http(s) URL), and Swagger UI draws its icons as data:;
 * - connections (fetch, socket.io's polling and its websocket) to this origin only: 'self'
 *   covers ws: and wss: to the same host;
 * - base-uri 'self' because bull-board's page sets <base href> to its own path;
 * - frame-ancestors 'none': no page of ours may be framed (clickjacking), as X-Frame-Options says
 *   to browsers that predate it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https: http:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // No other site (a candidate's photo host, a link's target) learns which page or campaign linked it.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'X-Permitted-Cross-Domain-Policies': 'none',
  // Browsers' old XSS auditors could be used to remove scripts from a page: off.
  'X-XSS-Protection': '0',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** HSTS: 180 days, this host only (a deployment's other subdomains are not ours to decide). */
const STRICT_TRANSPORT_SECURITY = 'max-age=15552000';

/**
 * The usual security headers on every answer (helmet's set, written out: see docs/security.md).
 * HSTS only on a request that came over TLS, directly or through a proxy TRUST_PROXY trusts
 * (`req.secure`): sent over plain HTTP it would mean nothing, and a spoofed X-Forwarded-Proto from
 * an untrusted peer is not believed. Cross-Origin-Resource-Policy is left out on purpose: the API
 * and its images (share codes, join codes) are read from other origins, the mini-program's among
 * them, and nothing answered without credentials is secret.
 */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.set(HEADERS);
    if (req.secure) res.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    next();
  };
}
