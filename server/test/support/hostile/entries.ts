import type { Config } from '@rallyboard/core/config';
import { entryModels, participantModel, recordLogin } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import { uploadFile } from '../../../../test/support/entries.js';
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
}

/** Opens entries on the live campaign `campaignId`, and makes the entrant's image and entries. */
export async function hostileEntries(
  config: Config,
  server: TestServer,
  mongo: Connection,
  campaignId: string,
): Promise<HostileEntries> {
  await entryModels(mongo).settings.create({
    _id: campaignId,
    opensAt: new Date(Date.now() - 60_000),
    closesAt: new Date(Date.now() + 86_400_000),
    perParticipant: 20,
    text: 'optional',
    minImages: 0,
    maxImages: 3,
    approval: 'host',
    updatedAt: new Date(),
  });
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
  return {
    asEntrant,
    image,
    imageId: (uploaded.body as { imageId: string }).imageId,
    withdrawEntryId: await entry(),
    rejectEntryId: await entry(),
  };
}
