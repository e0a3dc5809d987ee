import Pusher from 'pusher';
import type { Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';

/** Real-time events to seller dashboards: channel `private-seller-{seller_id}`. */
export interface RealtimePublisher {
  publish(sellerId: string, event: string, data: unknown): Promise<void>;
}

export function sellerChannel(sellerId: string): string {
  return `private-seller-${sellerId}`;
}

function pusherClient(config: Config['pusher']): Pusher {
  return new Pusher({
    appId: config.app_id,
    key: config.key,
    secret: config.secret,
    useTLS: config.use_tls,
    ...(config.host ? { host: config.host, port: String(config.port) } : { cluster: config.cluster }),
    timeout: 3000,
  });
}

export class PusherPublisher implements RealtimePublisher {
  private readonly pusher: Pusher;

  constructor(config: Config['pusher']) {
    this.pusher = pusherClient(config);
  }

  async publish(sellerId: string, event: string, data: unknown): Promise<void> {
    try {
      const res = await this.pusher.trigger(sellerChannel(sellerId), event, data);
      if (res.status >= 300) throw new Error(`pusher answered ${res.status}`);
    } catch (err) {
      throw AppError.unavailable('Pusher', err);
    }
  }
}

/** When Pusher is disabled: events are dropped (logged by the caller). */
export class NoopPublisher implements RealtimePublisher {
  async publish(): Promise<void> {}
}

/**
 * Signs a browser's subscription to a private channel (Pusher's channel authorization:
 * `key:HMAC-SHA256(secret, "socket_id:channel")`), locally, with the app secret.
 */
export class PusherChannelAuthorizer {
  private readonly pusher: Pusher;

  constructor(config: Config['pusher']) {
    this.pusher = pusherClient(config);
  }

  authorize(socketId: string, channel: string): { auth: string } {
    return this.pusher.authorizeChannel(socketId, channel);
  }
}
