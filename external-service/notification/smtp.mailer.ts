import { createTransport } from 'nodemailer';
import type { Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  /** Becomes the Message-ID: a copy sent again after a crash (docs/adr/0008) is recognisably the same message. */
  messageId: string;
}

type SmtpFailure = Error & { code?: string; responseCode?: number; permanent?: boolean };

/**
 * The SMTP relay (`notifications.email`), through nodemailer, each step bounded by `timeout_ms`.
 * A connection per message, not a pool: nothing to close on shutdown and no idle socket for a
 * relay to drop, at a volume (a few messages per order) where the handshake costs nothing. A 5xx reply (mailbox unknown, message refused) is permanent
 * (`bad_request`, not retried: the effect is parked); a 4xx reply, a refused connection or a
 * timeout is `dependency_unavailable`, retried by the effects sweeper. No retries here: one
 * attempt per effect run, so backoff is the sweeper's alone.
 */
export class SmtpMailer {
  private readonly transport;

  constructor(private readonly config: Config['notifications']['email']) {
    this.transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      ...(config.user ? { auth: { user: config.user, pass: config.pass } } : {}),
      connectionTimeout: config.timeout_ms,
      greetingTimeout: config.timeout_ms,
      socketTimeout: config.timeout_ms,
    });
  }

  async send(mail: OutgoingEmail): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.config.from, to: mail.to, subject: mail.subject, html: mail.html, messageId: mail.messageId });
    } catch (err) {
      throw smtpError(err as SmtpFailure, this.config.host);
    }
  }
}

function smtpError(err: SmtpFailure, host: string): AppError {
  const reply = err.responseCode;
  if (reply !== undefined && reply >= 500 && reply < 600) {
    return new AppError('bad_request', `SMTP server refused the message (${reply}): ${err.message}`, { provider: 'smtp', reply }, { cause: err });
  }
  return new AppError('dependency_unavailable', `SMTP server ${host} is unavailable: ${err.message}`, { dependency: 'smtp', ...(reply ? { reply } : {}) }, { cause: err });
}
