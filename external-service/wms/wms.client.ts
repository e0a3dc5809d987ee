import CircuitBreaker from 'opossum';
import pRetry, { AbortError } from 'p-retry';
import type { Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';
import type { Order } from '../../core/domain/order.js';
import type { Logger } from '../../core/platform/logger.js';

export interface WmsHub {
  code: string;
  is_external: boolean;
}

export interface WmsClient {
  /** Hands an order to an external hub's WMS. Idempotent on the WMS side by order id. */
  submitOrder(hub: WmsHub, order: Order): Promise<{ accepted: boolean; mode: 'remote' | 'local' }>;
}

/**
 * The external WMS. Each call has a timeout (config wms.timeout_ms), is retried on network
 * errors and 5xx with exponential back-off (wms.retries), and runs behind a circuit breaker so a
 * dead WMS fails fast instead of holding routing workers. A 4xx is a refusal: not retried.
 * With no base_url (dev, tests) orders are accepted locally and logged.
 */
export class HttpWmsClient implements WmsClient {
  private readonly breaker: CircuitBreaker<[string, unknown], unknown>;

  constructor(
    private readonly config: Config['wms'],
    private readonly logger: Logger,
  ) {
    this.breaker = new CircuitBreaker((path: string, body: unknown) => this.postWithRetry(path, body), {
      // The breaker's own timeout covers every retry; each attempt has its own below.
      timeout: config.timeout_ms * (config.retries + 1) + 1000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeout: 10_000,
      errorFilter: (err: unknown) => err instanceof AppError && err.code === 'conflict',
    });
  }

  async submitOrder(hub: WmsHub, order: Order): Promise<{ accepted: boolean; mode: 'remote' | 'local' }> {
    if (!this.config.base_url) {
      this.logger.info({ hub_code: hub.code, order_id: order.id }, 'wms.base_url is empty: external hub order accepted locally');
      return { accepted: true, mode: 'local' };
    }
    const body = {
      order_id: order.id,
      tenant_id: order.tenant_id,
      seller_id: order.seller_id,
      hub_code: hub.code,
      items: order.order_items.map((i) => ({ sku: i.seller_sku_code, quantity: i.quantity })),
      shipping_address: order.shipping_address,
    };
    try {
      await this.breaker.fire('/orders', body);
      return { accepted: true, mode: 'remote' };
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return { accepted: false, mode: 'remote' };
      throw err instanceof AppError ? err : AppError.unavailable('WMS', err);
    }
  }

  private postWithRetry(path: string, body: unknown): Promise<unknown> {
    return pRetry(
      async () => {
        const res = await fetch(new URL(path, this.config.base_url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.config.timeout_ms),
        });
        if (res.status >= 400 && res.status < 500) throw new AbortError(new AppError('conflict', `WMS refused the order (${res.status})`));
        if (!res.ok) throw new Error(`WMS answered ${res.status}`);
        return res.status === 204 ? null : res.json().catch(() => null);
      },
      { retries: this.config.retries, minTimeout: 200, maxTimeout: 2000 },
    ).catch((err: unknown) => {
      throw err instanceof AppError ? err : AppError.unavailable('WMS', err);
    });
  }
}
