import { describe, it } from 'vitest';
import { useMongoOutage } from '../support/outage-fixture.js';

const outage = useMongoOutage();

// Longer than a vote job's 8 attempts with their backoff last: an outage must use none of them.
describe('when MongoDB is down for 3 minutes in the middle of a burst of votes', () => {
  it('counts and records every vote it accepted, exactly once, with no manual step', async () => {
    await outage(180_000);
  }, 480_000);
});
