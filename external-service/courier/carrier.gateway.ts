import CircuitBreaker from 'opossum';
import { AppError } from '../../core/domain/errors.js';
import { CarrierClient, type BookingRequest, type BookingResult, type CarrierConfig } from './carrier.client.js';

export interface CarrierGatewayOptions {
  timeout_ms: number;
  retries: number;
  retry_base_ms: number;
  breaker: { error_threshold_percentage: number; volume_threshold: number; reset_timeout_ms: number };
}

/**
 * Every carrier of every tenant this process talks to, each behind its own circuit breaker
 * (keyed by name and base URL: two tenants using one carrier share its health). A call to an
 * open breaker fails at once, so a booking moves to the next carrier without waiting for
 * timeouts; after `reset_timeout_ms` one trial call is let through.
 */
export class CarrierGateway {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  constructor(private readonly options: CarrierGatewayOptions) {}

  book(carrier: CarrierConfig, request: BookingRequest): Promise<BookingResult> {
    const client = new CarrierClient(carrier, this.options);
    return this.fire(carrier, () => client.book(request)) as Promise<BookingResult>;
  }

  async cancel(carrier: CarrierConfig, awb: string, idempotencyKey: string): Promise<void> {
    const client = new CarrierClient(carrier, this.options);
    await this.fire(carrier, () => client.cancel(awb, idempotencyKey));
  }

  /** Whether the carrier's breaker lets calls through now (open: skipped without a call). */
  isOpen(carrier: CarrierConfig): boolean {
    return this.breakers.get(key(carrier))?.opened ?? false;
  }

  private async fire(carrier: CarrierConfig, call: () => Promise<unknown>): Promise<unknown> {
    try {
      return await this.breaker(carrier).fire(call);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw AppError.unavailable(`carrier ${carrier.name}`, err);
    }
  }

  private breaker(carrier: CarrierConfig): CircuitBreaker<[() => Promise<unknown>], unknown> {
    let breaker = this.breakers.get(key(carrier));
    if (!breaker) {
      const { timeout_ms, retries, breaker: b } = this.options;
      breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
        // Covers every retry of one call; each attempt has its own timeout in the client.
        timeout: timeout_ms * (retries + 1) + this.options.retry_base_ms * 8 * retries + 1000,
        errorThresholdPercentage: b.error_threshold_percentage,
        volumeThreshold: b.volume_threshold,
        resetTimeout: b.reset_timeout_ms,
        // A refusal (4xx) is the carrier working, not the carrier down.
        errorFilter: (err: unknown) => err instanceof AppError && err.code === 'conflict',
      });
      this.breakers.set(key(carrier), breaker);
    }
    return breaker;
  }
}

function key(carrier: CarrierConfig): string {
  return `${carrier.name}\u0000${carrier.base_url}`;
}
