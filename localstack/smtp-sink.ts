import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  /** Envelope recipients (lower case). */
  to: string[];
  subject: string;
  html: string;
  text: string;
  message_id: string | null;
  received_at: number;
}

/**
 * A local SMTP server for dev and tests (`smtp-server`): it accepts every message (with or
 * without AUTH, no TLS), parses it with `mailparser` and keeps it in memory, so a test reads
 * what a customer would have received (`messagesTo`). `refuseNext` answers the next messages
 * with a temporary or permanent SMTP error, as a relay under load or refusing a mailbox would.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  /** Recipient -> how many more messages to refuse, and with which reply. */
  private readonly refusals = new Map<string, { left: number; code: number }>();
  /** Messages refused so far (each refused attempt counts). */
  refused = 0;

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = new SMTPServer({
      secure: false,
      authOptional: true,
      // No reverse DNS of the client: on a machine without a resolver it delays the greeting past the client's timeout.
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'local' }),
      onRcptTo: (address, _session, callback) => {
        const refusal = this.refusals.get(address.address.toLowerCase());
        if (!refusal || refusal.left <= 0) return callback();
        refusal.left -= 1;
        this.refused += 1;
        const { code } = refusal;
        callback(Object.assign(new Error(code >= 500 ? 'mailbox unavailable (simulated)' : 'try again later (simulated)'), { responseCode: code }));
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              subject: mail.subject ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              text: mail.text ?? '',
              message_id: mail.messageId ?? null,
              received_at: Date.now(),
            });
            if (this.messages.length > 10_000) this.messages.splice(0, this.messages.length - 10_000);
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Refuses the next `times` messages to `address`: 4xx is a temporary failure (retried), 5xx a permanent one. */
  refuseNext(address: string, times: number, code = 451): void {
    this.refusals.set(address.toLowerCase(), { left: times, code });
  }

  messagesTo(address: string): ReceivedMail[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((m) => m.to.includes(wanted));
  }
}

