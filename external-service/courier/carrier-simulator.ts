import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatedBooking {
  awb: string;
  idempotency_key: string;
  order_id: string;
  status: 'booked' | 'cancelled';
  cancel_calls: number;
}

/**
 * A carrier speaking the generic contract (carrier.client.ts), for dev and tests, like the WMS
 * simulator: books on POST /bookings (deduped on idempotency_key, as real carriers promise),
 * cancels on POST /bookings/{awb}/cancel. It can be told to fail: `down = true` (or
 * POST /_control {"down": true}) answers 503 to everything; `failNext = n` fails the next n calls.
 */
export class CarrierSimulator {
  down = false;
  failNext = 0;
  /** Every call received (including failed ones), for tests. */
  readonly calls: { path: string; key: string | null; answered: number }[] = [];
  readonly bookings = new Map<string, SimulatedBooking>();
  private server: Server | null = null;
  private port = 0;

  constructor(readonly name: string) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** Booked (not cancelled) bookings for an order. */
  liveBookingsFor(orderId: string): SimulatedBooking[] {
    return [...this.bookings.values()].filter((b) => b.order_id === orderId && b.status === 'booked');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      return this.answer(res, req.url ?? '', null, 400, { error: 'invalid json' });
    }
    const path = req.url ?? '';
    const key = typeof body.idempotency_key === 'string' ? body.idempotency_key : null;
    if (path === '/_control' && req.method === 'POST') {
      if (typeof body.down === 'boolean') this.down = body.down;
      if (typeof body.fail_next === 'number') this.failNext = body.fail_next;
      return this.answer(res, path, null, 200, { down: this.down, fail_next: this.failNext });
    }
    if (this.down) return this.answer(res, path, key, 503, { error: 'carrier down' });
    if (this.failNext > 0) {
      this.failNext--;
      return this.answer(res, path, key, 500, { error: 'carrier failure' });
    }
    if (req.method !== 'POST' || !key) return this.answer(res, path, key, 400, { error: 'POST with idempotency_key expected' });
    if (path === '/bookings') {
      let booking = [...this.bookings.values()].find((b) => b.idempotency_key === key);
      if (!booking) {
        const awb = `${this.name.toUpperCase().replace(/[^A-Z0-9]/g, '')}${randomBytes(5).toString('hex').toUpperCase()}`;
        booking = { awb, idempotency_key: key, order_id: String(body.order_id ?? ''), status: 'booked', cancel_calls: 0 };
        this.bookings.set(awb, booking);
      }
      const from = new Date(Date.now() + 2 * 3600_000);
      return this.answer(res, path, key, 201, {
        awb: booking.awb,
        label_url: `${this.baseUrl}/labels/${booking.awb}.pdf`,
        tracking_url: `${this.baseUrl}/track/${booking.awb}`,
        pickup_slot: { from: from.toISOString(), to: new Date(from.getTime() + 2 * 3600_000).toISOString() },
      });
    }
    const cancel = /^\/bookings\/([^/]+)\/cancel$/.exec(path);
    if (cancel) {
      const booking = this.bookings.get(decodeURIComponent(cancel[1]!));
      if (!booking) return this.answer(res, path, key, 404, { error: 'no such booking' });
      booking.status = 'cancelled';
      booking.cancel_calls++;
      return this.answer(res, path, key, 200, { awb: booking.awb, status: 'cancelled' });
    }
    return this.answer(res, path, key, 404, { error: 'not found' });
  }

  private answer(res: ServerResponse, path: string, key: string | null, status: number, body: unknown): void {
    this.calls.push({ path, key, answered: status });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
