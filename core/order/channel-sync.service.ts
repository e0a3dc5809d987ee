import { AppError } from '../domain/errors.js';
import { EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import type { OrderStatus } from '../domain/order.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Telemetry } from '../platform/telemetry.js';
import { channelStatusChange } from '../../external-service/sales-channel/status-map.js';
import type { ChannelStatusUpdate, SalesChannelClient } from '../../external-service/sales-channel/sales-channel.client.js';
import type { ChannelSyncRepository, PendingSync } from './channel-sync.repository.js';

export type SyncOutcome = 'skipped' | 'sent' | 'logged' | 'deferred' | 'refused';

/** Back-off between attempts while a channel is down: 0.5 s doubling, at most a minute. */
export function nextAttemptDelayMs(attempts: number): number {
  return Math.min(60_000, 500 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Keeps each sales channel's view of an order's status in step with the OMS. The consumer of
 * order-updates tries at once; if the channel is down the update is parked (latest version per
 * order) and the retrier sends it later, so a channel outage never holds up the queue or any order.
 */
export class ChannelSyncService {
  constructor(
    private readonly client: SalesChannelClient,
    private readonly repo: ChannelSyncRepository,
    private readonly logger: Logger,
    private readonly telemetry: Telemetry,
  ) {}

  async onEvent(event: OutboundEvent): Promise<SyncOutcome> {
    const update = statusUpdateFor(event);
    if (!update || !event.order_id) return 'skipped';
    const scope = tenantScope(event.tenant_id);
    const version = Number((event.data.order as { version?: number }).version ?? 0);
    const sync: PendingSync = {
      id: `${event.tenant_id}:${event.order_id}`,
      tenant_id: event.tenant_id,
      order_id: event.order_id,
      version,
      update,
      attempts: 1,
      next_attempt_at: new Date(Date.now() + nextAttemptDelayMs(1)),
      last_error: null,
      created_at: new Date(),
    };
    return this.attempt(scope, sync, async (err) => this.repo.savePending({ ...sync, last_error: err.message }));
  }

  /** Sends a tenant's parked updates that are due; returns how many the channel accepted. */
  async retryDue(scope: TenantScope, limit = 100): Promise<number> {
    let sent = 0;
    for (const sync of await this.repo.due(scope, new Date(), limit)) {
      const outcome = await this.attempt(scope, sync, (err) =>
        this.repo.reschedule(scope, sync, new Date(Date.now() + nextAttemptDelayMs(sync.attempts + 1)), err.message),
      );
      if (outcome === 'sent' || outcome === 'logged') sent += 1;
    }
    return sent;
  }

  private async attempt(scope: TenantScope, sync: PendingSync, park: (err: AppError) => Promise<void>): Promise<SyncOutcome> {
    const log = { tenant_id: sync.tenant_id, order_id: sync.order_id, platform: sync.update.platform, status: sync.update.status };
    try {
      const outcome = await this.client.pushStatus(sync.update);
      // With no channel configured ('logged') nothing is ever parked, so there is nothing to clear.
      if (outcome !== 'logged') await this.repo.clearUpTo(scope, sync.id, sync.version);
      return outcome;
    } catch (thrown) {
      const err = thrown instanceof AppError ? thrown : AppError.unavailable('sales channel', thrown);
      if (err.retryable) {
        this.logger.warn({ ...log, err, attempts: sync.attempts }, 'sales channel sync failed; parked for retry');
        if (sync.attempts === 10) this.telemetry.noticeError(err, { ...log, attempts: sync.attempts });
        await park(err);
        return 'deferred';
      }
      // The channel refused this update for good (unknown order, bad status): retrying cannot help.
      this.logger.error({ ...log, err }, 'sales channel refused the status update');
      this.telemetry.noticeError(err, log);
      await this.repo.clearUpTo(scope, sync.id, sync.version);
      return 'refused';
    }
  }
}

function statusUpdateFor(event: OutboundEvent): ChannelStatusUpdate | null {
  if (event.event !== EVENT_TYPES.orderStatusChanged) return null;
  const order = event.data.order as { id?: string; sales_channel?: { name: string; order_id: string } | null } | undefined;
  const channel = order?.sales_channel;
  if (!channel) return null;
  const status = channelStatusChange(channel.name, (event.data.from as OrderStatus | undefined) ?? null, event.data.to as OrderStatus);
  if (!status) return null;
  return {
    platform: channel.name,
    channel_order_id: channel.order_id,
    status,
    oms_order_id: event.order_id ?? '',
    seller_id: event.seller_id,
    tenant_id: event.tenant_id,
    update_id: event.event_id,
    occurred_at: event.occurred_at,
  };
}
