import { describe, expect, it } from 'vitest';
import { server, useOperationsServer } from '../support/operations-fixture.js';

useOperationsServer();

describe('the API docs', () => {
  it('describe the host, campaign and audit routes under their tags, with their error codes', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { tags: string[]; responses: Record<string, unknown>; security?: unknown }>
      >;
    };
    const tagOf = (path: string, method: string) => doc.paths[path]?.[method]?.tags[0];
    expect(tagOf('/api/campaigns', 'post')).toBe('Campaigns');
    expect(tagOf('/api/campaigns/{campaignId}/members/{candidateId}', 'delete')).toBe('Campaigns');
    expect(tagOf('/api/public/campaigns/{campaignId}', 'get')).toBe('Campaigns (public)');
    expect(tagOf('/api/host/login', 'post')).toBe('Hosts');
    expect(tagOf('/api/audit', 'get')).toBe('Audit');
    const patch = doc.paths['/api/campaigns/{campaignId}']?.patch;
    expect(JSON.stringify(patch?.responses['409'])).toContain('CAMPAIGN_NOT_EDITABLE');
    expect(JSON.stringify(patch?.responses['404'])).toContain('CAMPAIGN_NOT_FOUND');
    expect(patch?.security).toEqual([{ hostToken: [] }]);
    expect(doc.paths['/api/public/campaigns']?.get?.security).toBeUndefined();
  });
});
