import type { Config } from '@rallyboard/core/config';
import { campaignModel, entryModels, participantModel, recordLogin } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { openEntries, uploadFile } from '../../../../test/support/entries.js';
import { jpegOf } from '../../../../test/support/images.js';
import type { TestServer } from '../../../../test/support/stack.js';
import { createTokenSigner } from '../../../src/auth/tokens.js';

/** What the entry routes' examples stand on: a campaign taking entries, an entrant, an image, entries. */
export interface HostileEntries {
  /** `Authorization` of a participant who signed in (an entry names the author's openid). */
  asEntrant: string;
  /** A JPEG to upload. */
  image: Buffer;
  /** An uploaded image of the entrant's, attached to no entry. */
  imageId: string;
  /** Pending entries of the entrant's: one to withdraw, one for the host to reject. */
  withdrawEntryId: string;
  rejectEntryId: string;
  /** A suggestion box (a like campaign) with an approved suggestion, received. */
  boxId: string;
  suggestionId: string;
}

/** Opens entries on the live campaign `campaignId`, and makes the entrant's image and entries. */
export async function hostileEntries(
  config: Config,
  server: TestServer,
  mongo: Connection,
  campaignId: string,
  hostId: string,
): Promise<HostileEntries> {
  await openEntries(mongo, campaignId, { perParticipant: 20 });
  const entrant = await recordLogin(participantModel(mongo), {
    appId: config.wechat.appId ?? '',
    openid: 'o-hostile-entrant',
  });
  const { token } = await createTokenSigner(config.auth).participant({ participantId: entrant._id });
  const asEntrant = `Bearer ${token}`;
  const image = jpegOf(16, 16);
  const uploaded = await uploadFile(
    `${server.url}/api/campaigns/${campaignId}/entry-images`,
    { authorization: asEntrant },
    {
      bytes: image,
      filename: 'photo.jpg',
      contentType: 'image/jpeg',
    },
  );
  const entry = async () => {
    const res = await fetch(`${server.url}/api/campaigns/${campaignId}/entries`, {
      method: 'POST',
      headers: { authorization: asEntrant, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'hostile entry' }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const { boxId, suggestionId } = await suggestionBox(mongo, entrant._id, hostId);
  return {
    boxId,
    suggestionId,
    asEntrant,
    image,
    imageId: (uploaded.body as { imageId: string }).imageId,
    withdrawEntryId: await entry(),
    rejectEntryId: await entry(),
  };
}

/** A like campaign taking suggestions, with one approved (written as the checks and a host would). */
async function suggestionBox(mongo: Connection, userId: string, hostId: string) {
  const boxId = `box${Date.now().toString(36)}`;
  const suggestionId = 'eHOSTILEsuggest01';
  const now = new Date();
  await campaignModel(mongo).create({
    _id: boxId,
    title: 'suggestions',
    kind: 'like',
    members: [{ candidateId: suggestionId, name: 'a suggestion' }],
    schedule: {
      startAt: new Date(Date.now() - 3_600_000),
      endAt: new Date(Date.now() + 86_400_000),
      timezone: 'Asia/Shanghai',
    },
    visibility: 'public',
    rules: {},
    status: 'live',
    createdBy: hostId,
  });
  const models = entryModels(mongo);
  await openEntries(mongo, boxId, { maxImages: 0, purpose: 'suggestions' });
  await models.entries.create({
    _id: suggestionId,
    campaignId: boxId,
    userId,
    openid: 'o-hostile-entrant',
    ip: '127.0.0.1',
    title: 'a suggestion',
    images: [],
    status: 'approved',
    textCheck: 'pass',
    candidateId: suggestionId,
    history: [
      { status: 'pending', at: now },
      { status: 'approved', at: now },
    ],
  });
  return { boxId, suggestionId };
}
