import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PusherSockets } from './pusher-sockets.js';

export interface ReceivedPusherEvent {
  channel: string;
  name: string;
  data: unknown;
  received_at: number;
}

/**
 * A local stand-in for Pusher's HTTP API (dev and tests): it accepts `POST /apps/{id}/events`
 * only when the request carries a valid Pusher signature for the configured key and secret
 * (auth_signature = HMAC-SHA256(secret, "POST\n{path}\n{sorted query without auth_signature}"),
 * body_md5 = MD5 of the body), and keeps the events it accepted for inspection. It also speaks
 * Pusher's WebSocket protocol on /app/{key} (pusher-sockets.ts), so a real pusher-js client can
 * subscribe and receive the events as they are triggered.
 */
export class PusherReceiver {
  readonly events: ReceivedPusherEvent[] = [];
  rejected = 0;
  private server: Server | null = null;
  /** Channel -> how many more events to answer 503 (a provider outage, for tests of retries). */
  private readonly outages = new Map<string, number>();
  private readonly sockets: PusherSockets;

  constructor(
    private readonly appId: string,
    private readonly key: string,
    private readonly secret: string,
  ) {
    this.sockets = new PusherSockets(key, secret);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://receiver');
        if (req.method === 'GET' && url.pathname === '/_events') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.events));
          return;
        }
        const problem = this.verify(req.method ?? '', url, body);
        if (problem) {
          this.rejected += 1;
          res.writeHead(problem.status, { 'content-type': 'text/plain' }).end(problem.message);
          return;
        }
        const payload = JSON.parse(body) as { name: string; data: string; channels?: string[]; channel?: string; socket_id?: string };
        const channels = payload.channels ?? (payload.channel ? [payload.channel] : []);
        if (channels.some((c) => this.takeOutage(c))) {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable (simulated outage)');
          return;
        }
        for (const channel of channels) {
          this.events.push({ channel, name: payload.name, data: safeJson(payload.data), received_at: Date.now() });
          this.sockets.broadcast(channel, payload.name, payload.data, payload.socket_id);
        }
        if (this.events.length > 50_000) this.events.splice(0, this.events.length - 50_000);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.sockets.attach(this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.sockets.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers the next `times` events for `channel` with 503, as a provider outage would. */
  failNext(channel: string, times: number): void {
    this.outages.set(channel, times);
  }

  private takeOutage(channel: string): boolean {
    const left = this.outages.get(channel) ?? 0;
    if (left <= 0) return false;
    this.outages.set(channel, left - 1);
    return true;
  }

  eventsFor(channel: string): ReceivedPusherEvent[] {
    return this.events.filter((e) => e.channel === channel);
  }

  private verify(method: string, url: URL, body: string): { status: number; message: string } | null {
    if (method !== 'POST' || url.pathname !== `/apps/${this.appId}/events`) return { status: 404, message: 'not found' };
    const params = url.searchParams;
    if (params.get('auth_key') !== this.key) return { status: 401, message: 'unknown auth_key' };
    const timestamp = Number(params.get('auth_timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 600) return { status: 401, message: 'stale timestamp' };
    if (params.get('body_md5') !== createHash('md5').update(body).digest('hex')) return { status: 401, message: 'body_md5 mismatch' };
    const signed = [...params.entries()]
      .filter(([k]) => k !== 'auth_signature')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const expected = createHmac('sha256', this.secret).update(`POST\n${url.pathname}\n${signed}`).digest();
    const given = Buffer.from(params.get('auth_signature') ?? '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 401, message: 'invalid signature' };
    return null;
  }
}

function safeJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
