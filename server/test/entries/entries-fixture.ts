import { boardModel, participantModel, recordLogin } from '@rallyboard/core/db';
import type {
  CampaignStatus,
  EntrySettingsInput,
  EntryView,
  SuggestionView,
} from '@rallyboard/core/protocol';
import { afterAll, beforeAll } from 'vitest';
import { createLiveCampaign, registerCampaignBoard } from '../../../test/support/campaigns.js';
import { randomId } from '../../../test/support/config.js';
import { startTestEntryWorker, uploadFile } from '../../../test/support/entries.js';
import { jpegOf } from '../../../test/support/images.js';
import { asParticipant } from '../../../test/support/participants.js';
import { TEST_PUSH } from '../../../test/support/wechat.js';
import { useWeChatServer } from '../../../test/support/wechat-server.js';
import { type Answer, call, createTestHost, type TestHost } from '../support/hosts.js';

/**
 * What the entries tests share: a server pointed at the fake WeChat, whose image checks push
 * their verdicts back to it, the workers' entries worker, and a host. The public URL is https,
 * as WeChat's image check needs: image addresses name it, and the tests read them from the server.
 */
export const env = useWeChatServer({
  PUBLIC_URL: 'https://entries.rallyboard.test',
  ENTRY_CHECK_RETRY_MS: '200',
});
export const fx: { host: TestHost; worker: Awaited<ReturnType<typeof startTestEntryWorker>> } = {} as never;

export function useEntriesEnv(): void {
  beforeAll(async () => {
    fx.host = await createTestHost(env.server);
    fx.worker = await startTestEntryWorker(env.config, env.mongo);
    env.fake.state.push = { url: `${env.server.url}/api/wechat/push`, token: TEST_PUSH.token };
    env.fake.state.pushDelayMs = 20;
  });
  afterAll(async () => {
    await fx.worker.close();
  });
}

/** A participant who signed in with WeChat: their id, openid and headers. */
export async function entrant(deviceId = randomId('d')) {
  const openid = randomId('o');
  const doc = await recordLogin(participantModel(env.mongo), {
    appId: env.config.wechat.appId ?? '',
    openid,
  });
  // They have just used the mini-program, as WeChat's text check asks of an author.
  env.fake.state.visit(openid);
  const headers = { ...(await asParticipant(env.config, doc._id)), 'x-device-id': deviceId };
  return { userId: doc._id, openid, headers };
}
export type Entrant = Awaited<ReturnType<typeof entrant>>;

/**
 * A campaign of the fixture's host (live, unless `campaign` says otherwise), taking entries now
 * with `settings`.
 */
export async function entryCampaign(
  settings: Partial<EntrySettingsInput> = {},
  campaign: { kind?: 'vote' | 'like'; status?: CampaignStatus; title?: string } = {},
): Promise<string> {
  const campaignId = randomId('c');
  const doc = await createLiveCampaign(env.mongo, campaignId, {
    createdBy: fx.host.id,
    title: '摄影作品征集',
    ...campaign,
  });
  const { redis, keys, config } = env.server.deps;
  await registerCampaignBoard({ redis, keys, config, boards: boardModel(env.mongo) }, doc);
  const answer = await asHost('PUT', `/api/campaigns/${campaignId}/entry-settings`, {
    opensAt: new Date(Date.now() - 60_000).toISOString(),
    closesAt: new Date(Date.now() + 86_400_000).toISOString(),
    ...settings,
  });
  if (answer.status !== 200) throw new Error(`entry settings: ${JSON.stringify(answer.body)}`);
  return campaignId;
}

export const asHost = <T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> =>
  call<T>(env.server, fx.host.token, method, path, body);

/** Calls the API as a participant. */
export async function asEntrant<T = unknown>(who: Entrant, method: string, path: string, body?: unknown) {
  const res = await fetch(`${env.server.url}${path}`, {
    method,
    headers: { ...who.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Uploads an image for `campaignId` as `who`; answers the upload. */
export const upload = (
  who: Entrant,
  campaignId: string,
  bytes = jpegOf(),
  filename = 'photo.jpg',
  contentType = 'image/jpeg',
) =>
  uploadFile(`${env.server.url}/api/campaigns/${campaignId}/entry-images`, who.headers, {
    bytes,
    filename,
    contentType,
  });

/** Uploads `images` and sends an entry with them; answers the entry. */
export async function submit(
  who: Entrant,
  campaignId: string,
  fields: { title?: string; text?: string; images?: Buffer[] } = {},
): Promise<{ status: number; body: EntryView }> {
  const imageIds: string[] = [];
  for (const bytes of fields.images ?? [jpegOf()]) {
    const png = bytes[0] === 0x89;
    const up = await upload(
      who,
      campaignId,
      bytes,
      png ? 'photo.png' : 'photo.jpg',
      png ? 'image/png' : 'image/jpeg',
    );
    if (up.status !== 201) throw new Error(`upload: ${JSON.stringify(up.body)}`);
    imageIds.push((up.body as { imageId: string }).imageId);
  }
  return asEntrant<EntryView>(who, 'POST', `/api/campaigns/${campaignId}/entries`, {
    title: fields.title ?? '西湖晨雾',
    ...(fields.text === undefined ? {} : { text: fields.text }),
    imageIds,
  });
}

/** The entry as its author sees it now. */
export async function mine(who: Entrant, entryId: string): Promise<EntryView | undefined> {
  const answer = await asEntrant<{ entries: EntryView[] }>(who, 'GET', '/api/me/entries');
  return answer.body.entries.find((e) => e.id === entryId);
}

/** A suggestion box (a like campaign, live unless `status` says otherwise) approving automatically. */
export const suggestionBox = (status: CampaignStatus = 'live', settings: Partial<EntrySettingsInput> = {}) =>
  entryCampaign(
    { purpose: 'suggestions', approval: 'auto', minImages: 0, ...settings },
    { kind: 'like', status, title: '社区议事厅' },
  );

/** A suggestion as anyone reads it (GET …/suggestions/:entryId). */
export const readSuggestion = (campaignId: string, entryId: string) =>
  fetch(`${env.server.url}/api/campaigns/${campaignId}/suggestions/${entryId}`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as SuggestionView,
  }));

/** A suggestion box's suggestions as anyone reads them (GET …/suggestions). */
export const listSuggestions = (campaignId: string): Promise<SuggestionView[]> =>
  fetch(`${env.server.url}/api/campaigns/${campaignId}/suggestions`)
    .then((r) => r.json())
    .then((body) => (body as { suggestions: SuggestionView[] }).suggestions);
