import { AppError } from '../domain/errors.js';
import { sellerChannel } from '../../external-service/pusher/pusher.client.js';

export interface ChannelAuthorizer {
  authorize(socketId: string, channel: string): { auth: string };
}

/**
 * Pusher channel authorization for seller dashboards: a seller API key may join its own
 * `private-seller-{seller_id}` channel and nothing else. Seller ids are unique across tenants,
 * so the channel name alone cannot reach another tenant's seller.
 */
export class ChannelAuthService {
  constructor(
    /** The seller a live API key belongs to (scopes and expiry checked as on any route), or null. */
    private readonly sellerOfKey: (apiKey: string) => Promise<string | null>,
    private readonly authorizer: ChannelAuthorizer | null,
  ) {}

  /** Who is asking: a live seller's id, or 401. Checked before the body is read. */
  async caller(apiKey: string | undefined): Promise<string> {
    if (!apiKey) throw new AppError('unauthorized', 'missing bearer API key');
    const sellerId = await this.sellerOfKey(apiKey);
    if (!sellerId) throw new AppError('unauthorized', 'invalid API key');
    return sellerId;
  }

  authorize(sellerId: string, socketId: string, channel: string): { auth: string } {
    if (!this.authorizer) throw new AppError('not_found', 'real-time events are disabled (pusher.enabled is false)');
    if (channel !== sellerChannel(sellerId)) {
      throw new AppError('forbidden', `this API key may join ${sellerChannel(sellerId)} only`, { channel_name: channel });
    }
    return this.authorizer.authorize(socketId, channel);
  }
}
