import { boardIdSchema } from '@rallyboard/core/protocol';
import { z } from 'zod';

/** `:campaignId` in a route's path. */
export const campaignParams = z.object({ campaignId: boardIdSchema });
