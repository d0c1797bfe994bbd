import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
});
afterAll(() => mongo.close());

const UPDATES = 500;
/** About a ledger record's size. */
const NOTE = 'x'.repeat(300);

describe('a connection', () => {
  it('keeps a few sockets to the database unless its URI asks for more', async () => {
    expect(mongo.getClient().options.maxPoolSize).toBe(16);
    const uri = new URL(config.mongo.uri);
    uri.searchParams.set('maxPoolSize', '40');
    const wider = await connectMongo(uri.toString(), 'test-wider');
    try {
      expect(wider.getClient().options.maxPoolSize).toBe(40);
    } finally {
      await wider.close();
    }
  });

  // FerretDB v1 answers an update by holding one of a database's 100 SQLite connections for its
  // scan while it waits for another to write: with the driver's 100 sockets all sending updates,
  // a database could run dry and wait for good (or fail SQLITE_BUSY), and every listDatabases
  // with it (a review job's 200 updates at once did, once, in CI). How often it happens depends
  // on timing, so the pool size above is what pins the fix; this is the load it is for.
  it(`writes ${UPDATES} updates sent at once to one collection, each exactly once`, async () => {
    const things = mongo.collection(randomId('things'));
    await things.insertMany(
      Array.from({ length: UPDATES }, (_, i) => ({ key: i, state: 'held', note: NOTE })),
    );

    // Reads at once first, as a busy process's would, so its sockets are open when the updates go.
    await Promise.all(Array.from({ length: 200 }, () => things.findOne({ key: 0 })));
    const results = await Promise.all(
      Array.from({ length: UPDATES }, (_, i) =>
        things.updateOne({ key: i, state: 'held' }, { $set: { state: 'voided' } }),
      ),
    );

    expect(results.every((r) => r.modifiedCount === 1)).toBe(true);
    expect(await things.countDocuments({ state: 'voided' })).toBe(UPDATES);
  }, 90_000);
});
