import type { Logger } from '@rallyboard/core/logger';
import type { RedisClient } from '@rallyboard/core/redis';
import type { z } from 'zod';

/** A relay: follows channels on the shared subscriber connection and pushes to sockets. */
export interface Relay {
  /** Subscribes. Resolves once the subscription is active. */
  start(): Promise<void>;
  /** Unsubscribes and stops any timer. Pending changes are dropped: clients resync on reconnect. */
  stop(): Promise<void>;
}

/**
 * Reads a channel message: JSON that the schema accepts, or undefined (logged) for anything
 * else. Every relay reads its messages through here: a malformed message is skipped, never thrown
 * out of the subscriber's event handler.
 */
export function parseChannelMessage<S extends z.ZodType>(
  schema: S,
  message: string,
  logger: Pick<Logger, 'warn'>,
  what: string,
): z.infer<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  logger.warn(`ignoring a malformed ${what}`);
  return undefined;
}

/**
 * A relay of one channel: each message that the schema accepts goes to `deliver`. Several relays
 * share the subscriber connection, so each handler first checks that the channel is its own.
 */
export function channelRelay<S extends z.ZodType>(options: {
  subscriber: RedisClient;
  channel: string;
  schema: S;
  logger: Pick<Logger, 'warn'>;
  /** What a message is, for the log: `risk alert`, `screen change`. */
  what: string;
  deliver(message: z.infer<S>): void;
}): Relay {
  const { subscriber, channel } = options;
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    const parsed = parseChannelMessage(options.schema, message, options.logger, options.what);
    if (parsed !== undefined) options.deliver(parsed);
  };
  return {
    async start() {
      subscriber.on('message', onMessage);
      await subscriber.subscribe(channel);
    },
    async stop() {
      subscriber.off('message', onMessage);
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel);
    },
  };
}
