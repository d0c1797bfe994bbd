import { type LedgerVote, ledgerModel } from '@rallyboard/core/db';
import type { CampaignView } from '@rallyboard/core/protocol';
import { applyVotes } from '@rallyboard/core/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, testMongoUri } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { UTF8_BOM } from '../../src/exports/csv.js';
import { LEDGER_HEADER, RESULTS_HEADER } from '../../src/exports/routes.js';
import { call, campaignBody, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * A database of this file's own for its 20,000-row ledger: FerretDB keeps one SQLite file per
 * database and scans a collection for every filtered query, so rows in the run's shared `votes`
 * would slow every later ledger query of every file, and their inserts would hold the shared
 * file's write lock. Dropped at the end.
 */
const database = new URL(testMongoUri());
database.pathname = `${database.pathname}_csv`;
const config = testConfig({ MONGODB_URI: database.toString() });
let server: TestServer;
let owner: TestHost;
let stranger: TestHost;
let campaign: CampaignView;
const ROWS = 20_000;

beforeAll(async () => {
  server = await startTestServer(config);
  [owner, stranger] = await Promise.all([createTestHost(server), createTestHost(server)]);
  const created = await call<CampaignView>(
    server,
    owner.token,
    'POST',
    '/api/campaigns',
    campaignBody({
      members: [
        { candidateId: 'zhang', name: '张三, "小张"' },
        { candidateId: 'li', name: '=李四' },
        { candidateId: 'wang', name: '王五\n二班' },
      ],
    }),
  );
  expect(created.status).toBe(201);
  campaign = created.body;
}, 120_000);
afterAll(async () => {
  await server?.deps.mongo.dropDatabase();
  await server?.close();
});

async function download(path: string, token = owner.token) {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  // The raw bytes: fetch's text() would swallow the BOM.
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
}

/** Splits a CSV (RFC 4180: quoted cells may hold commas, quotes and line breaks) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('the results export', () => {
  it('lists every candidate by rank, in UTF-8 with a BOM, Chinese names intact and formula-safe', async () => {
    await applyVotes(
      server.deps.redis,
      server.deps.keys,
      campaign.id,
      ['wang', 'wang', 'zhang'].map((candidateId, i) => ({
        mode: 'n',
        voteId: `r-export-${campaign.id}-${i}`,
        candidateId,
        action: 'vote',
        voterId: `p-${i}`,
        day: '2026-03-01',
        dayExpiresAt: Date.now() + 86_400_000,
        quotaExpiresAt: Date.now() + 86_400_000,
      })),
      { dedupTtlSeconds: 3_600, origin: 'test' },
    );
    const { res, bytes, text } = await download(`/api/campaigns/${campaign.id}/export/results.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="${campaign.id}-results-\\d{8}-\\d{6}\\.csv"`),
    );
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    expect(parseCsv(text.slice(1))).toEqual([
      [...RESULTS_HEADER],
      ['1', 'wang', '王五\n二班', '', '2'],
      ['2', 'zhang', '张三, "小张"', '', '1'],
      ['3', 'li', "'=李四", '', '0'],
    ]);
  });
});

describe('the ledger export', () => {
  it('streams every vote record of a 20,000-vote ledger, once each and in order, with its Chinese text intact', async () => {
    const ledger = ledgerModel(server.deps.mongo);
    const start = Date.parse('2026-03-01T00:00:00Z');
    const records: LedgerVote[] = Array.from({ length: ROWS }, (_, i) => ({
      _id: `r-ledger-${campaign.id}-${String(i).padStart(6, '0')}`,
      boardId: campaign.id,
      candidateId: ['zhang', 'li', 'wang'][i % 3] as string,
      action: 'vote',
      voterId: `p-${i % 500}`,
      verdict: i % 100 === 7 ? 'held' : 'counted',
      ...(i % 100 === 7 ? {} : { delta: 1, seq: i + 1 }),
      day: '2026-03-01',
      acceptedAt: new Date(start + i * 10),
      decidedAt: new Date(start + i * 10 + 5),
      context: { ip: `10.0.${i % 256}.1`, deviceId: `dev-${i % 50}` },
      ...(i % 100 === 7
        ? {
            review: {
              state: 'held' as const,
              at: new Date(start),
              by: 'h-x',
              note: '疑似刷票，"同一设备"\n待复核',
            },
          }
        : {}),
    }));
    for (let i = 0; i < ROWS; i += 2_000) await ledger.insertMany(records.slice(i, i + 2_000));

    const { res, bytes, text } = await download(`/api/campaigns/${campaign.id}/export/ledger.csv`);
    expect(res.status).toBe(200);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual([...LEDGER_HEADER]);
    expect(rows).toHaveLength(ROWS + 1);
    const ids = rows.slice(1).map((r) => r[0]);
    expect(new Set(ids).size).toBe(ROWS);
    expect(ids).toEqual(records.map((r) => r._id));
    const column = (name: (typeof LEDGER_HEADER)[number]) => LEDGER_HEADER.indexOf(name);
    const held = rows[1 + 7] as string[];
    expect(held[column('候选名称')]).toBe("'=李四");
    expect(held[column('结果')]).toBe('held');
    expect(held[column('审核状态')]).toBe('held');
    expect(held[column('审核备注')]).toBe('疑似刷票，"同一设备"\n待复核');
    const first = rows[1] as string[];
    expect(first[column('候选名称')]).toBe('张三, "小张"');
    expect(first[column('受理时间(UTC)')]).toBe('2026-03-01T00:00:00.000Z');
    expect(first[column('变化')]).toBe('1');
    expect(first[column('IP')]).toBe('10.0.0.1');
  }, 120_000);

  it("is another host's campaign's only as CAMPAIGN_NOT_FOUND, as JSON", async () => {
    for (const what of ['results', 'ledger']) {
      const answer = await call(
        server,
        stranger.token,
        'GET',
        `/api/campaigns/${campaign.id}/export/${what}.csv`,
      );
      expect(answer.status).toBe(404);
      expect(codeOf(answer)).toBe('CAMPAIGN_NOT_FOUND');
    }
    const anonymous = await fetch(`${server.url}/api/campaigns/${campaign.id}/export/ledger.csv`);
    expect(anonymous.status).toBe(401);
  });
});
