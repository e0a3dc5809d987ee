import pRetry, { AbortError } from 'p-retry';
import { AppError } from '../../core/domain/errors.js';

/** One carrier as a tenant configures it (core/tenant settings `courier.carriers`). */
export interface CarrierConfig {
  name: string;
  base_url: string;
  priority: number;
  enabled: boolean;
}

/** What a carrier needs to book a pickup for one fulfilment. */
export interface BookingRequest {
  /** One per fulfilment: the carrier answers a repeated key with the booking it already made. */
  idempotency_key: string;
  tenant_id: string;
  order_id: string;
  fulfilment_id: string;
  hub_code: string | null;
  parcel: { items: { sku: string; quantity: number }[]; declared_value: number; currency: string; cod_amount: number };
  ship_to: { name: string; phone: string | null; line1: string; city: string; country: string; postal_code: string | null };
}

export interface BookingResult {
  awb: string;
  label_url: string;
  tracking_url: string | null;
  pickup_slot: { from: string; to: string };
}

/**
 * The generic carrier contract (every carrier adapter speaks it, the dev simulator too):
 *   POST {base}/bookings            {idempotency_key, ...BookingRequest} -> 200|201 {awb, label_url, tracking_url?, pickup_slot}
 *   POST {base}/bookings/{awb}/cancel {idempotency_key}                  -> 200 (also when already cancelled)
 * A 4xx is the carrier refusing (not retried, but the next carrier may accept); a 5xx, a timeout
 * or a network error is the carrier being down (retried with back-off, then counted by the breaker).
 */
export class CarrierClient {
  constructor(
    readonly carrier: CarrierConfig,
    private readonly options: { timeout_ms: number; retries: number; retry_base_ms: number },
  ) {}

  async book(request: BookingRequest): Promise<BookingResult> {
    const body = await this.post('/bookings', request);
    return parseBooking(this.carrier.name, body);
  }

  async cancel(awb: string, idempotencyKey: string): Promise<void> {
    await this.post(`/bookings/${encodeURIComponent(awb)}/cancel`, { idempotency_key: idempotencyKey });
  }

  private post(path: string, body: unknown): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.carrier.base_url.endsWith('/') ? this.carrier.base_url : `${this.carrier.base_url}/`);
    return pRetry(
      async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.options.timeout_ms),
        });
        if (res.status >= 400 && res.status < 500) {
          throw new AbortError(new AppError('conflict', `carrier ${this.carrier.name} refused the request (${res.status})`, { carrier: this.carrier.name, status: res.status }));
        }
        if (!res.ok) throw new Error(`carrier ${this.carrier.name} answered ${res.status}`);
        return res.json().catch(() => null);
      },
      { retries: this.options.retries, minTimeout: this.options.retry_base_ms, maxTimeout: this.options.retry_base_ms * 8, randomize: true },
    ).catch((err: unknown) => {
      throw err instanceof AppError ? err : AppError.unavailable(`carrier ${this.carrier.name}`, err);
    });
  }
}

function parseBooking(carrier: string, body: unknown): BookingResult {
  const b = (body ?? {}) as Record<string, unknown>;
  const slot = (b.pickup_slot ?? {}) as Record<string, unknown>;
  if (typeof b.awb !== 'string' || !b.awb || typeof b.label_url !== 'string' || typeof slot.from !== 'string' || typeof slot.to !== 'string') {
    throw AppError.unavailable(`carrier ${carrier}`, new Error('booking answer lacks awb, label_url or pickup_slot'));
  }
  return { awb: b.awb, label_url: b.label_url, tracking_url: typeof b.tracking_url === 'string' ? b.tracking_url : null, pickup_slot: { from: slot.from, to: slot.to } };
}
