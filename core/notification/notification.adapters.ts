import type { Config } from '../../configs/config.js';
import { HttpProviderClient } from '../../external-service/notification/http-provider.client.js';
import { SmtpMailer } from '../../external-service/notification/smtp.mailer.js';
import type { Logger } from '../platform/logger.js';

export type NotificationChannelName = 'email' | 'sms' | 'push';
export const NOTIFICATION_CHANNELS: readonly NotificationChannelName[] = ['email', 'sms', 'push'];

/** A message rendered for one channel (notification.templates.ts), ready to hand to a provider. */
export interface NotificationMessage {
  to: string;
  /** E-mail subject or push title; null for SMS. */
  subject: string | null;
  /** HTML for e-mail (values escaped), plain text otherwise. */
  body: string;
  /** `{event_id}:{channel}`: the provider's idempotency key or Message-ID. */
  key: string;
  tenant_id: string;
  order_id: string | null;
  stage: string;
}

/**
 * One way of reaching a customer; a failure throws this project's AppError (retryable or not),
 * which the EffectService turns into a retry or a parked effect.
 */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  send(message: NotificationMessage): Promise<void>;
}

export class EmailChannel implements NotificationChannel {
  readonly name = 'email';
  constructor(private readonly mailer: SmtpMailer) {}

  async send(m: NotificationMessage): Promise<void> {
    await this.mailer.send({ to: m.to, subject: m.subject ?? '', html: m.body, messageId: `<${m.key.replace(/[^A-Za-z0-9_.-]/g, '.')}@oms>` });
  }
}

/** SMS or push through an HTTP provider (external-service/notification). */
export class ProviderChannel implements NotificationChannel {
  constructor(
    readonly name: 'sms' | 'push',
    private readonly client: HttpProviderClient,
  ) {}

  async send(m: NotificationMessage): Promise<void> {
    await this.client.send({ channel: this.name, to: m.to, title: m.subject, body: m.body, id: m.key, tenant_id: m.tenant_id, order_id: m.order_id, stage: m.stage });
  }
}

/** A push token as records and logs show it: enough to tell two devices apart, not enough to reach one. */
export function maskToken(token: string): string {
  return token.length <= 12 ? '…' : `${token.slice(0, 6)}…${token.slice(-4)}`;
}

/** Without a provider configured the message is logged (and recorded as sent): nothing to retry. */
export class LoggedChannel implements NotificationChannel {
  constructor(
    readonly name: NotificationChannelName,
    private readonly logger: Logger,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    const to = this.name === 'push' ? maskToken(message.to) : message.to;
    this.logger.info({ channel: this.name, to, stage: message.stage, subject: message.subject }, 'customer notification (logged, no provider configured)');
  }
}

/** A channel per name: the configured provider, or the logged stand-in. */
export function notificationChannels(config: Config['notifications'], logger: Logger): NotificationChannel[] {
  return [
    config.email.host ? new EmailChannel(new SmtpMailer(config.email)) : new LoggedChannel('email', logger),
    config.sms.url ? new ProviderChannel('sms', new HttpProviderClient('sms', config.sms)) : new LoggedChannel('sms', logger),
    config.push.url ? new ProviderChannel('push', new HttpProviderClient('push', config.push)) : new LoggedChannel('push', logger),
  ];
}
