import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The WebSocket side of the local Pusher stand-in (Pusher Channels protocol 7), enough for a real
 * pusher-js client: `pusher:connection_established` with a socket id, `pusher:subscribe` (private
 * channels only with a valid auth signature, `key:HMAC-SHA256(secret, "socket_id:channel")`),
 * `pusher_internal:subscription_succeeded`, `pusher:ping`/`pong`, `pusher:unsubscribe`, and the
 * events triggered through the HTTP API forwarded to the sockets subscribed to their channel.
 */
export class PusherSockets {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly subscriptions = new Map<WebSocket, { socketId: string; channels: Set<string> }>();

  constructor(
    private readonly key: string,
    private readonly secret: string,
  ) {}

  /** Takes over HTTP upgrades to /app/{key} on the receiver's server. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://receiver').pathname;
      if (!path.startsWith('/app/')) return void socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, decodeURIComponent(path.slice('/app/'.length))));
    });
  }

  /** Sends a triggered event to every socket subscribed to `channel` (except `exceptSocketId`). */
  broadcast(channel: string, name: string, data: string, exceptSocketId?: string): void {
    for (const [ws, sub] of this.subscriptions) {
      if (sub.channels.has(channel) && sub.socketId !== exceptSocketId) send(ws, { event: name, channel, data });
    }
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private open(ws: WebSocket, appKey: string): void {
    if (appKey !== this.key) {
      send(ws, { event: 'pusher:error', data: { code: 4001, message: `App key ${appKey} not in this cluster` } });
      return void ws.close(4001);
    }
    const socketId = `${randomInt(1, 2 ** 31)}.${randomInt(1, 2 ** 31)}`;
    this.subscriptions.set(ws, { socketId, channels: new Set() });
    ws.on('close', () => this.subscriptions.delete(ws));
    ws.on('message', (raw) => this.onMessage(ws, socketId, raw.toString()));
    send(ws, { event: 'pusher:connection_established', data: JSON.stringify({ socket_id: socketId, activity_timeout: 120 }) });
  }

  private onMessage(ws: WebSocket, socketId: string, raw: string): void {
    let message: { event?: string; data?: { channel?: string; auth?: string } };
    try {
      message = JSON.parse(raw);
    } catch {
      return void send(ws, { event: 'pusher:error', data: { code: null, message: 'message is not JSON' } });
    }
    const channel = message.data?.channel ?? '';
    switch (message.event) {
      case 'pusher:ping':
        return void send(ws, { event: 'pusher:pong', data: {} });
      case 'pusher:subscribe':
        if ((channel.startsWith('private-') || channel.startsWith('presence-')) && !this.validAuth(socketId, channel, message.data?.auth)) {
          return void send(ws, { event: 'pusher:error', data: { code: null, message: `Invalid signature: auth for ${channel} is not valid` } });
        }
        this.subscriptions.get(ws)?.channels.add(channel);
        return void send(ws, { event: 'pusher_internal:subscription_succeeded', channel, data: '{}' });
      case 'pusher:unsubscribe':
        return void this.subscriptions.get(ws)?.channels.delete(channel);
      default:
        // Client events (client-*) are not enabled on this stand-in.
        return;
    }
  }

  private validAuth(socketId: string, channel: string, auth: string | undefined): boolean {
    const [key, signature] = (auth ?? '').split(':');
    if (key !== this.key || !signature) return false;
    const expected = createHmac('sha256', this.secret).update(`${socketId}:${channel}`).digest();
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function send(ws: WebSocket, message: Record<string, unknown>): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}
