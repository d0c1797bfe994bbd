import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { type AuditModel, auditModel, recordAudit } from '../../src/db/audit.js';
import { connectMongo } from '../../src/db/connection.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let audit: AuditModel;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  audit = auditModel(mongo);
  await audit.init();
});
afterAll(async () => {
  await mongo.close();
});

const actor = { hostId: 'h000000000001', username: 'ops', role: 'admin' as const };

describe('the audit log', () => {
  it('keeps an entry as written: who, what, the values before and after, and from where', async () => {
    const campaignId = randomId('camp');
    const written = await recordAudit(audit, {
      actor,
      action: 'campaign.update',
      target: { type: 'campaign', id: campaignId },
      campaignId,
      before: { title: 'old', rules: {} },
      after: { title: 'new', rules: { votesPerUserPerDay: 3 } },
      ip: '203.0.113.7',
    });
    const stored = await audit.findById(written._id).lean();
    expect(stored).toMatchObject({
      actor,
      action: 'campaign.update',
      target: { type: 'campaign', id: campaignId },
      campaignId,
      before: { title: 'old', rules: {} },
      after: { title: 'new', rules: { votesPerUserPerDay: 3 } },
      ip: '203.0.113.7',
    });
    expect(stored?.at).toBeInstanceOf(Date);
  });

  it('stores null for the side a creation or a removal lacks, and no campaign for a host entry', async () => {
    const written = await recordAudit(audit, {
      actor,
      action: 'host.create',
      target: { type: 'host', id: 'h000000000002' },
      before: null,
      after: { username: 'new-host' },
      ip: '::1',
    });
    const stored = await audit.findById(written._id).lean();
    expect(stored?.before).toBeNull();
    expect(stored?.campaignId).toBeUndefined();
  });

  it('keeps the order of entries written within one millisecond', async () => {
    const campaignId = randomId('camp');
    const at = new Date();
    for (const title of ['first', 'second', 'third']) {
      await recordAudit(audit, {
        actor,
        action: 'campaign.update',
        target: { type: 'campaign', id: campaignId },
        campaignId,
        before: null,
        after: { title },
        ip: '::1',
        at,
      });
    }
    const newestFirst = await audit.find({ campaignId }).sort({ at: -1, _id: -1 }).lean();
    expect(newestFirst.map((e) => (e.after as { title: string }).title)).toEqual([
      'third',
      'second',
      'first',
    ]);
  });

  it('refuses an action it does not know', async () => {
    await expect(
      recordAudit(audit, {
        actor,
        action: 'campaign.explode' as never,
        target: { type: 'campaign', id: 'x' },
        before: null,
        after: null,
        ip: '::1',
      }),
    ).rejects.toThrow();
  });
});
