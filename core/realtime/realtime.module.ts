import { PusherChannelAuthorizer } from '../../external-service/pusher/pusher.client.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { registerChannelAuthRoutes } from './channel-auth.controller.js';
import { ChannelAuthService } from './channel-auth.service.js';

/** Real-time to a browser: Pusher channel authorization (`POST /pusher/auth`). */
export function buildRealtimeModule(platform: Platform, deps: { tenancy: TenancyModule }): DomainModule {
  const { pusher } = platform.config;
  const { tenants, security } = deps.tenancy;
  const sellerOfKey = async (apiKey: string) => {
    const grant = await security.keys.authenticate(apiKey, (scope, hash) => tenants.legacyGrant(scope, hash));
    return grant && !grant.revoked && (!grant.expires_at || Date.parse(grant.expires_at) > Date.now()) ? grant.seller_id : null;
  };
  const channelAuth = new ChannelAuthService(sellerOfKey, pusher.enabled ? new PusherChannelAuthorizer(pusher) : null);
  return { name: 'realtime', routes: (groups) => registerChannelAuthRoutes(groups.open, channelAuth) };
}
