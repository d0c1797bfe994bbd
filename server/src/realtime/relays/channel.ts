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
 * Follows the subscriber connection's reconnects: after a drop, once `resubscribe` (the relay's
 * own subscription, made again) has answered, calls `resync`. Messages published while the
 * connection was down were never heard, so a relay must send again what they would have sent;
 * waiting for the subscription first means nothing published after that read is missed either.
 */
export function whenResubscribed(options: {
  subscriber: RedisClient;
  resubscribe(): Promise<unknown>;
  resync(): void;
  logger: Pick<Logger, 'warn'>;
}): { start(): void; stop(): void } {
  const { subscriber, logger } = options;
  let everReady = false;
  let stopped = false;
  const onReady = () => {
    // The first `ready` is the first connection: nothing was missed yet.
    if (!everReady) {
      everReady = true;
      return;
    }
    void (async () => {
      try {
        // ioredis subscribes again (re-selecting the db first) right after it emits `ready`:
        // waiting a microtask puts our command behind those, and its answer says the
        // subscription is back. Subscribing twice to one channel is a no-op for Redis.
        await Promise.resolve();
        await options.resubscribe();
      } catch (error) {
        // Dropped again: the next `ready` tries again.
        logger.warn({ err: error }, 'relay could not subscribe again after a reconnect');
        return;
      }
      if (!stopped) options.resync();
    })();
  };
  return {
    start() {
      stopped = false;
      everReady = subscriber.status === 'ready';
      subscriber.on('ready', onReady);
    },
    stop() {
      stopped = true;
      subscriber.off('ready', onReady);
    },
  };
}

/**
 * A relay of one channel: each message that the schema accepts goes to `deliver`. Several relays
 * share the subscriber connection, so each handler first checks that the channel is its own.
 * After a reconnect of the subscriber, once subscribed again, `resync` (if any) makes up for the
 * messages that were missed meanwhile.
 */
export function channelRelay<S extends z.ZodType>(options: {
  subscriber: RedisClient;
  channel: string;
  schema: S;
  logger: Pick<Logger, 'warn'>;
  /** What a message is, for the log: `risk alert`, `screen change`. */
  what: string;
  deliver(message: z.infer<S>): void;
  resync?(): void;
}): Relay {
  const { subscriber, channel, resync } = options;
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    const parsed = parseChannelMessage(options.schema, message, options.logger, options.what);
    if (parsed !== undefined) options.deliver(parsed);
  };
  const reconnects =
    resync &&
    whenResubscribed({
      subscriber,
      resubscribe: () => subscriber.subscribe(channel),
      resync,
      logger: options.logger,
    });
  return {
    async start() {
      subscriber.on('message', onMessage);
      reconnects?.start();
      await subscriber.subscribe(channel);
    },
    async stop() {
      subscriber.off('message', onMessage);
      reconnects?.stop();
      if (subscriber.status === 'ready') await subscriber.unsubscribe(channel);
    },
  };
}
