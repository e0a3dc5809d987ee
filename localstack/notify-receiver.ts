import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  channel: string;
  to: string;
  title: string | null;
  body: string;
  id: string;
  idempotency_key: string | null;
  tenant_id: string;
  order_id: string | null;
  stage: string;
  received_at: number;
}

/**
 * A local stand-in for the SMS and push providers (dev and tests), speaking the provider
 * contract of external-service/notification/http-provider.client.ts: `POST /sms` or `POST /push`
 * with `Authorization: Bearer {token}` and a JSON message. It keeps what it accepted
 * (`messagesTo`, or `GET /_messages`), refuses a wrong token (401) or a message without `to`
 * and `body` (422), and `failNext` answers the next messages with an error status, as a
 * provider outage (503) or refusal (400) would. `GET /_mail` shows the SMTP sink's messages too
 * when one is given, so dev mode has one place to look.
 */
export class NotifyReceiver {
  readonly messages: ReceivedNotification[] = [];
  rejected = 0;
  private server: Server | null = null;
  /** Recipient -> how many more messages to fail, and with which status. */
  private readonly failures = new Map<string, { left: number; status: number }>();

  constructor(
    private readonly token: string,
    private readonly mail: { messages: unknown[] } | null = null,
  ) {}

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://receiver');
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.method === 'GET' && url.pathname === '/_messages') return send(200, this.messages);
        if (req.method === 'GET' && url.pathname === '/_mail') return send(200, this.mail?.messages ?? []);
        const channel = /^\/(sms|push)$/.exec(url.pathname)?.[1];
        if (req.method !== 'POST' || !channel) return send(404, { error: 'not found' });
        if (req.headers.authorization !== `Bearer ${this.token}`) {
          this.rejected += 1;
          return send(401, { error: 'invalid token' });
        }
        let message: Partial<ReceivedNotification>;
        try {
          message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<ReceivedNotification>;
        } catch {
          return send(400, { error: 'not JSON' });
        }
        if (typeof message.to !== 'string' || typeof message.body !== 'string') return send(422, { error: 'to and body are required' });
        const failure = this.failures.get(message.to);
        if (failure && failure.left > 0) {
          failure.left -= 1;
          return send(failure.status, { error: 'simulated provider failure' });
        }
        const key = req.headers['idempotency-key'];
        this.messages.push({
          channel,
          to: message.to,
          title: message.title ?? null,
          body: message.body,
          id: String(message.id ?? ''),
          idempotency_key: typeof key === 'string' ? key : null,
          tenant_id: String(message.tenant_id ?? ''),
          order_id: message.order_id ?? null,
          stage: String(message.stage ?? ''),
          received_at: Date.now(),
        });
        if (this.messages.length > 10_000) this.messages.splice(0, this.messages.length - 10_000);
        send(202, { accepted: true });
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers the next `times` messages to `to` with `status` (503: an outage, retried; 400: refused, parked). */
  failNext(to: string, times: number, status = 503): void {
    this.failures.set(to, { left: times, status });
  }

  messagesTo(to: string, channel?: string): ReceivedNotification[] {
    return this.messages.filter((m) => m.to === to && (!channel || m.channel === channel));
  }
}
