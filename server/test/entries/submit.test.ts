import { findEntryImages } from '@rallyboard/core/db';
import type { EntryImageUpload, EntryView, ErrorBody } from '@rallyboard/core/protocol';
import { describe, expect, it } from 'vitest';
import {
  jpegOf,
  pngDecompressionBomb,
  pngOf,
  withExif,
  zipBomb,
  zipOf,
} from '../../../test/support/images.js';
import { eventually } from '../../../test/support/stack.js';
import { call, createTestHost } from '../support/hosts.js';
import {
  asEntrant,
  asHost,
  entrant,
  entryCampaign,
  env,
  mine,
  submit,
  upload,
  useEntriesEnv,
} from './entries-fixture.js';

// Sending an entry (报名): its images uploaded, checked and stripped; the form, the window and
// the per-participant limit kept; and nothing stored from a refused upload.
useEntriesEnv();

const codeOf = (body: unknown) => (body as ErrorBody).error.code;
const whyOf = (body: unknown) => ((body as ErrorBody).error.details as { why?: string }).why;

describe('uploading an entry image', () => {
  it('stores a JPEG without its EXIF and serves it at its unguessable address', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const answer = await upload(who, campaignId, withExif(jpegOf(64, 48), 'GPS 31.2304N 121.4737E'));
    expect(answer.status).toBe(201);
    const image = answer.body as EntryImageUpload;
    expect(image).toMatchObject({ contentType: 'image/jpeg', width: 64, height: 48 });
    expect(image.url).toBe(`https://entries.rallyboard.test/media/entries/${image.imageId}`);

    const res = await fetch(`${env.server.url}/media/entries/${image.imageId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const served = Buffer.from(await res.arrayBuffer());
    expect(served.length).toBe(image.bytes);
    expect(served.includes(Buffer.from('GPS 31.2304N'))).toBe(false);
  });

  it('refuses a zip, a zip bomb, a polyglot, a decompression bomb and a type that lies, and stores none of them', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const refusals = [
      [zipOf(), 'a.zip', 'application/zip', 'IMAGE_INVALID'],
      [zipBomb(), 'photo', 'application/octet-stream', 'IMAGE_INVALID'],
      [Buffer.concat([jpegOf(), zipOf()]), 'photo.jpg', 'image/jpeg', 'IMAGE_INVALID'],
      [pngDecompressionBomb(), 'photo.png', 'image/png', 'IMAGE_INVALID'],
      [pngOf(), 'photo.jpg', 'image/jpeg', 'IMAGE_TYPE_MISMATCH'],
    ] as const;
    for (const [bytes, filename, type, code] of refusals) {
      const answer = await upload(who, campaignId, bytes, filename, type);
      expect(answer.status, filename).toBe(422);
      expect(codeOf(answer.body)).toBe(code);
    }
    const polyglot = await upload(who, campaignId, Buffer.concat([pngOf(), zipOf()]), 'x.png', 'image/png');
    expect(whyOf(polyglot.body)).toBe('trailing-data');
    const files = env.mongo.db?.collection('entryImages.files');
    expect(await files?.countDocuments({ 'metadata.userId': who.userId })).toBe(0);
  });

  it('refuses a file over the size limit with IMAGE_TOO_LARGE', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const big = Buffer.concat([jpegOf(), Buffer.alloc(env.config.entries.imageMaxBytes)]);
    const answer = await upload(who, campaignId, big);
    expect(answer.status).toBe(413);
    expect(codeOf(answer.body)).toBe('IMAGE_TOO_LARGE');
  });

  it('refuses a JSON body, and a body without the file', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const json = await asEntrant(who, 'POST', `/api/campaigns/${campaignId}/entry-images`, { image: 'x' });
    expect(json.status).toBe(415);
    const form = new FormData();
    form.append('note', 'no file');
    const res = await fetch(`${env.server.url}/api/campaigns/${campaignId}/entry-images`, {
      method: 'POST',
      headers: who.headers,
      body: form,
    });
    expect(res.status).toBe(400);
  });

  it('refuses a caller without a participant token before reading the body', async () => {
    const campaignId = await entryCampaign();
    const res = await fetch(`${env.server.url}/api/campaigns/${campaignId}/entry-images`, {
      method: 'POST',
      body: new FormData(),
    });
    expect(res.status).toBe(401);
  });
});

describe('sending an entry', () => {
  it('is pending, with its images, and the author sees it in 我的报名', async () => {
    const campaignId = await entryCampaign();
    const who = await entrant();
    const answer = await submit(who, campaignId, {
      title: '西湖晨雾',
      text: '清晨六点的断桥',
      images: [jpegOf(), pngOf()],
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      campaignId,
      title: '西湖晨雾',
      text: '清晨六点的断桥',
      status: 'pending',
    });
    expect(answer.body.images).toHaveLength(2);
    const listed = await asEntrant<{ entries: EntryView[] }>(
      who,
      'GET',
      `/api/me/entries?campaignId=${campaignId}`,
    );
    expect(listed.body.entries.map((e) => e.id)).toEqual([answer.body.id]);
    const images = await findEntryImages(
      env.mongo,
      answer.body.images.map((i) => i.imageId),
    );
    expect(images.every((i) => i.metadata.entryId === answer.body.id)).toBe(true);
  });

  it('holds to the form: required text, the number of images', async () => {
    const campaignId = await entryCampaign({ text: 'required', minImages: 1, maxImages: 1 });
    const who = await entrant();
    const noText = await submit(who, campaignId, { images: [jpegOf()] });
    expect(noText.status).toBe(400);
    const twoImages = await submit(who, campaignId, { text: '说明', images: [jpegOf(), jpegOf()] });
    expect(twoImages.status).toBe(400);
    expect(JSON.stringify(twoImages.body)).toContain('body.imageIds');
  });

  it('takes no more than the campaign allows one participant, even sent at once', async () => {
    const campaignId = await entryCampaign({ perParticipant: 2 });
    const who = await entrant();
    const answers = await Promise.all([1, 2, 3, 4].map(() => submit(who, campaignId)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409, 409]);
    expect(answers.filter((a) => a.status === 409).map((a) => codeOf(a.body))).toEqual([
      'ENTRY_LIMIT_REACHED',
      'ENTRY_LIMIT_REACHED',
    ]);
  });

  it('frees the place of a withdrawn entry', async () => {
    const campaignId = await entryCampaign({ perParticipant: 1 });
    const who = await entrant();
    const first = await submit(who, campaignId);
    const withdrawn = await asEntrant<EntryView>(who, 'POST', `/api/me/entries/${first.body.id}/withdraw`);
    expect(withdrawn.body.status).toBe('withdrawn');
    expect(withdrawn.body.images).toEqual([]);
    const gone = await fetch(`${env.server.url}/media/entries/${first.body.images[0]?.imageId}`);
    expect(gone.status).toBe(404);
    expect((await submit(who, campaignId)).status).toBe(201);
  });

  it('frees the place of an entry whose candidate the host took off, and tells its author', async () => {
    const campaignId = await entryCampaign({ perParticipant: 1, approval: 'auto' }, { status: 'scheduled' });
    const who = await entrant();
    const first = await submit(who, campaignId);
    await eventually(async () => (await mine(who, first.body.id))?.status === 'approved');
    // The host sets the whole list without it (a PATCH of the campaign), before it goes live.
    const taken = await asHost('PATCH', `/api/campaigns/${campaignId}`, {
      members: [
        { candidateId: 'alice', name: 'alice' },
        { candidateId: 'bob', name: 'bob' },
      ],
    });
    expect(taken.status).toBe(200);
    expect(await mine(who, first.body.id)).toMatchObject({ status: 'removed', images: [] });
    const gone = await fetch(`${env.server.url}/media/entries/${first.body.images[0]?.imageId}`);
    expect(gone.status).toBe(404);
    expect((await submit(who, campaignId)).status).toBe(201);
  });

  it('refuses an entry outside the window, and a campaign that takes none', async () => {
    const closed = await entryCampaign({
      opensAt: new Date(Date.now() - 7_200_000).toISOString(),
      closesAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    const who = await entrant();
    const late = await asEntrant(who, 'POST', `/api/campaigns/${closed}/entries`, { title: 'late' });
    expect(late.status).toBe(409);
    expect(codeOf(late.body)).toBe('ENTRIES_CLOSED');
    const lateUpload = await upload(who, closed);
    expect(codeOf(lateUpload.body)).toBe('ENTRIES_CLOSED');
    const settings = await fetch(`${env.server.url}/api/campaigns/${closed}/entry-settings`).then((r) =>
      r.json(),
    );
    expect(settings).toMatchObject({ campaignId: closed, open: false });
  });

  it('refuses images that are not the sender’s, or are another entry’s', async () => {
    const campaignId = await entryCampaign({ perParticipant: 3 });
    const alice = await entrant();
    const mallory = await entrant();
    const alices = await submit(alice, campaignId);
    const imageId = alices.body.images[0]?.imageId;
    const stolen = await asEntrant(mallory, 'POST', `/api/campaigns/${campaignId}/entries`, {
      title: 'x',
      imageIds: [imageId],
    });
    expect(stolen.status).toBe(404);
    expect(codeOf(stolen.body)).toBe('IMAGE_NOT_FOUND');
    const reused = await asEntrant(alice, 'POST', `/api/campaigns/${campaignId}/entries`, {
      title: 'x',
      imageIds: [imageId],
    });
    expect(codeOf(reused.body)).toBe('IMAGE_NOT_FOUND');
  });

  it('lets nobody but the author withdraw an entry', async () => {
    const campaignId = await entryCampaign();
    const alice = await entrant();
    const mallory = await entrant();
    const entry = await submit(alice, campaignId);
    const answer = await asEntrant(mallory, 'POST', `/api/me/entries/${entry.body.id}/withdraw`);
    expect(answer.status).toBe(404);
    expect(codeOf(answer.body)).toBe('ENTRY_NOT_FOUND');
  });

  it('lets the host of another campaign neither set its entries, nor see them, nor decide them', async () => {
    const campaignId = await entryCampaign();
    const entry = await submit(await entrant(), campaignId);
    const stranger = await createTestHost(env.server);
    const as = (method: string, path: string, body?: unknown) =>
      call(env.server, stranger.token, method, path, body);
    const answers = [
      await as('GET', `/api/campaigns/${campaignId}/entries`),
      await as('PUT', `/api/campaigns/${campaignId}/entry-settings`, {
        opensAt: new Date().toISOString(),
        closesAt: new Date(Date.now() + 60_000).toISOString(),
      }),
      await as('POST', `/api/campaigns/${campaignId}/entries/decisions`, {
        entryIds: [entry.body.id],
        decision: 'reject',
        note: 'spam',
      }),
    ];
    expect(answers.map((a) => [a.status, codeOf(a.body)])).toEqual(
      Array(3).fill([404, 'CAMPAIGN_NOT_FOUND']),
    );
    expect(
      (await asHost<{ entries: EntryView[] }>('GET', `/api/campaigns/${campaignId}/entries?status=pending`))
        .body.entries.length,
    ).toBeLessThanOrEqual(1);
  });
});
