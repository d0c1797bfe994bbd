import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../../test/support/wechat.js';
import { accessLog } from '../../src/http/access-log.js';

describe('the access log', () => {
  it('never writes a secret of the query string: tokens, and a WeChat push signature, nonce and echo', async () => {
    const { logger, lines } = captureLogs();
    const app = express();
    app.use(accessLog(logger));
    app.get('/api/wechat/push', (_req, res) => void res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const query =
        'signature=5ecre7516&timestamp=1764900000&nonce=n0nce42&echostr=ech0str&msg_signature=m5g516&screenToken=s7ok';
      await fetch(`http://127.0.0.1:${port}/api/wechat/push?${query}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const logged = lines.join('\n');
      expect(logged).toContain('timestamp=1764900000');
      for (const secret of ['5ecre7516', 'n0nce42', 'ech0str', 'm5g516', 's7ok'])
        expect(logged).not.toContain(secret);
      expect(logged).toContain('signature=[redacted]');
    } finally {
      server.close();
    }
  });
});
