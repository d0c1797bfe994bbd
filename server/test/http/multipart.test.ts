import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { entrant, entryCampaign, env, useEntriesEnv } from '../entries/entries-fixture.js';

// The multipart reader (http/multipart.ts) on bodies a client cut short or broke: each is
// answered with a catalogue 4xx, and the server goes on serving.
useEntriesEnv();

/** Sends `body` as a multipart upload with its own Content-Length, and reads the answer (or the connection's end). */
function rawUpload(path: string, headers: Record<string, string>, body: Buffer, endEarly = false) {
  const url = new URL(path, env.server.url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'multipart/form-data; boundary=X',
          'content-length': String(body.length + (endEarly ? 100 : 0)),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the multipart reader', () => {
  it('answers a body that ends inside its file with INVALID_INPUT, and the server lives on', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const cut = Buffer.from(
      '--X\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 partial',
      'latin1',
    );
    const answer = await rawUpload(`/api/campaigns/${campaignId}/entry-images`, who.headers, cut);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error.code).toBe('INVALID_INPUT');
    const other = Buffer.from(
      '--X\r\nContent-Disposition: form-data; name="other"; filename="a.jpg"\r\n\r\nbytes',
      'latin1',
    );
    expect((await rawUpload(`/api/campaigns/${campaignId}/entry-images`, who.headers, other)).status).toBe(
      400,
    );
    const health = await fetch(`${env.server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
