import type { Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';

/** The provider contract for SMS and push (README "Notifications"): one JSON POST per message. */
export interface ProviderMessage {
  channel: 'sms' | 'push';
  to: string;
  /** Push only: the notification's title. */
  title: string | null;
  body: string;
  /** Sent as Idempotency-Key too: a provider that honours it drops a copy sent again after a crash. */
  id: string;
  tenant_id: string;
  order_id: string | null;
  stage: string;
}

/**
 * An HTTP notification provider (`notifications.sms` / `notifications.push`): `POST {url}` with
 * `Authorization: Bearer {token}` and `Idempotency-Key`, each call bounded by `timeout_ms`.
 * 2xx is sent; 408, 429, 5xx, a timeout or a network error is `dependency_unavailable`
 * (retried by the effects sweeper); any other 4xx is permanent (`bad_request`: the number or
 * token is refused, retrying cannot help). One attempt per call: backoff is the sweeper's.
 */
export class HttpProviderClient {
  constructor(
    private readonly name: 'sms' | 'push',
    private readonly config: Config['notifications']['sms'],
  ) {}

  async send(message: ProviderMessage): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.config.token}`, 'idempotency-key': message.id },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(this.config.timeout_ms),
      });
    } catch (err) {
      throw AppError.unavailable(`${this.name} provider`, err);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return;
    const detail = `${this.name} provider answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      throw new AppError('dependency_unavailable', detail, { dependency: `${this.name} provider`, status: res.status });
    }
    throw new AppError('bad_request', detail, { provider: this.name, status: res.status });
  }
}
