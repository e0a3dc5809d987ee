import type { Logger } from '../platform/logger.js';

export type NotificationChannelName = 'email' | 'sms' | 'push';

export interface NotificationMessage {
  to: string;
  template: string;
  data: Record<string, unknown>;
}

/**
 * One way of reaching a customer. Production plugs in a provider per channel (SES, an SMS
 * gateway, FCM); without one the message is logged, which is what dev and tests use.
 */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  send(message: NotificationMessage): Promise<void>;
}

export class LoggedChannel implements NotificationChannel {
  constructor(
    readonly name: NotificationChannelName,
    private readonly logger: Logger,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    this.logger.info({ channel: this.name, to: message.to, template: message.template }, 'customer notification (logged, no provider)');
  }
}

export function loggedChannels(logger: Logger): NotificationChannel[] {
  return [new LoggedChannel('email', logger), new LoggedChannel('sms', logger), new LoggedChannel('push', logger)];
}
