import { describe, it } from 'vitest';
import { useMongoOutage } from '../support/outage-fixture.js';

const outage = useMongoOutage();

// The 3-minute outage, past every attempt a job has, is in the slow tier (npm run test:slow).
describe('when MongoDB is down for 30 s in the middle of a burst of votes', () => {
  it('counts and records every vote it accepted, exactly once, with no manual step', async () => {
    await outage(30_000);
  }, 300_000);
});
