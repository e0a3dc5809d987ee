import CircuitBreaker from 'opossum';
import pRetry, { AbortError } from 'p-retry';
import type { Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';
import type { Logger } from '../../core/platform/logger.js';

export interface ChannelStatusUpdate {
  platform: string;
  channel_order_id: string;
  status: string;
  oms_order_id: string;
  seller_id: string;
  tenant_id: string;
  /** Sent as Idempotency-Key: a retried call is the same update to the channel. */
  update_id: string;
  occurred_at: string;
}

export interface BreakerOptions {
  /** How long the breaker stays open before letting one trial call through. */
  resetTimeoutMs: number;
  /** Failures (percent of recent calls) that open it, once `volumeThreshold` calls were seen. */
  errorThresholdPercentage: number;
  volumeThreshold: number;
}

const DEFAULT_BREAKER: BreakerOptions = { resetTimeoutMs: 2000, errorThresholdPercentage: 50, volumeThreshold: 3 };

/**
 * The sales channel's order-status endpoint: `POST {base_url}/{platform}/orders/{channel order id}/status`.
 * Each attempt has `timeout_ms`; network errors, 429 and 5xx are retried `retries` times with
 * back-off; a circuit breaker stops calling a channel that keeps failing, so an outage costs
 * nothing but a fast, retryable `dependency_unavailable` (the caller keeps the update for later).
 * A 4xx other than 429 is permanent (`bad_request`). With no base URL the update is only logged.
 */
export class SalesChannelClient {
  private readonly breaker: CircuitBreaker<[ChannelStatusUpdate], void>;

  constructor(
    private readonly config: Config['sales_channel'],
    private readonly logger: Logger,
    breaker: BreakerOptions = DEFAULT_BREAKER,
  ) {
    this.breaker = new CircuitBreaker((update: ChannelStatusUpdate) => this.sendWithRetries(update), {
      timeout: false, // each attempt has its own timeout; the retries must not be cut short
      resetTimeout: breaker.resetTimeoutMs,
      errorThresholdPercentage: breaker.errorThresholdPercentage,
      volumeThreshold: breaker.volumeThreshold,
      errorFilter: (err: unknown) => err instanceof AppError && !err.retryable, // a refused update says nothing about the channel's health
    });
    this.breaker.on('open', () => this.logger.warn({ base_url: this.config.base_url }, 'sales channel circuit opened'));
    this.breaker.on('close', () => this.logger.info({ base_url: this.config.base_url }, 'sales channel circuit closed'));
  }

  get enabled(): boolean {
    return this.config.base_url !== '';
  }

  /** Returns 'sent', or 'logged' when no channel endpoint is configured. */
  async pushStatus(update: ChannelStatusUpdate): Promise<'sent' | 'logged'> {
    if (!this.enabled) {
      this.logger.info({ ...update }, 'sales channel status sync (no endpoint configured; logged only)');
      return 'logged';
    }
    try {
      await this.breaker.fire(update);
      return 'sent';
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw AppError.unavailable(`sales channel ${update.platform}`, err); // breaker open
    }
  }

  private async sendWithRetries(update: ChannelStatusUpdate): Promise<void> {
    try {
      await pRetry(() => this.sendOnce(update), { retries: this.config.retries, minTimeout: 100, maxTimeout: 1000, factor: 3 });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw AppError.unavailable(`sales channel ${update.platform}`, err);
    }
  }

  private async sendOnce(update: ChannelStatusUpdate): Promise<void> {
    const url = `${this.config.base_url.replace(/\/$/, '')}/${encodeURIComponent(update.platform)}/orders/${encodeURIComponent(update.channel_order_id)}/status`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': update.update_id },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(this.config.timeout_ms),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    if (res.status === 429 || res.status >= 500) throw new Error(`sales channel answered ${res.status}`);
    throw new AbortError(new AppError('bad_request', `sales channel refused the update (${res.status})`, { status: res.status, platform: update.platform }));
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
