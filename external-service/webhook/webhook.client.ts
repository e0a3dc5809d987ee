import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../core/domain/errors.js';

/** What a seller endpoint may be and resolve to (configs: webhooks.allow_*). */
export interface WebhookClientOptions {
  timeout_ms: number;
  allow_http: boolean;
  allow_loopback: boolean;
  allow_private: boolean;
}

/** Resolves a host name to every address it has (node:dns by default; tests give their own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The outcome of one POST: sent (any status) or not (refused, timed out, connection failed). */
export interface PostResult {
  ok: boolean;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Ranges an endpoint must never reach unless configured: ipaddr.js range names. */
const LOOPBACK = new Set(['loopback']);
const PRIVATE = new Set(['private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);
/** Never, whatever the configuration: not a host anyone serves webhooks on. */
const NEVER = new Set(['unspecified', 'broadcast', 'multicast', 'reserved', 'benchmarking', 'amt', 'as112', 'deprecated', 'orchid2', 'droneRemoteIdProtocolEntityTags', '6to4', 'teredo', 'rfc6145', 'rfc6052']);

/** The longest response body read (for the attempt's error text); the rest is discarded. */
const MAX_BODY = 2048;

/**
 * The one client of seller webhook endpoints. SSRF guard: a URL must be https (unless
 * allow_http), and every address its host resolves to must be public (unless allow_loopback /
 * allow_private); the check runs at registration and again at each send, inside the socket's own
 * DNS lookup, so the address connected to is the address checked (no rebinding between the two).
 * Each POST has one deadline (timeout_ms, connect to last byte) and is never retried here: the
 * dispatcher owns retries. Redirects are not followed (a 3xx is a failed attempt).
 */
export class WebhookClient {
  constructor(
    private readonly options: WebhookClientOptions,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** Checks a URL a seller registers: 400 with the reason when it may not be called. */
  async checkUrl(raw: string): Promise<void> {
    const refusal = await this.refusal(raw);
    if (refusal) throw AppError.validation([{ field: 'url', message: refusal }], 'the webhook URL is not allowed');
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const started = performance.now();
    const done = (status: number | null, error: string | null): PostResult => ({
      ok: status !== null && status >= 200 && status < 300,
      status_code: status,
      latency_ms: Math.round(performance.now() - started),
      error,
    });
    let target: URL;
    try {
      target = this.parse(url);
    } catch (err) {
      return done(null, (err as Error).message);
    }
    if (isIP(bare(target.hostname))) {
      const refused = this.addressRefusal(bare(target.hostname));
      if (refused) return done(null, `refused: ${refused}`);
    }
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<PostResult>((resolvePost) => {
      const req = transport.request(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'oms-webhooks/1', 'content-length': Buffer.byteLength(body), ...headers },
          lookup: this.guardedLookup(),
          signal: AbortSignal.timeout(this.options.timeout_ms),
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < MAX_BODY) text += chunk;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolvePost(done(status, status >= 200 && status < 300 ? null : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`));
          });
          res.on('error', (err) => resolvePost(done(res.statusCode ?? null, describe(err, this.options.timeout_ms))));
        },
      );
      req.on('error', (err) => resolvePost(done(null, describe(err, this.options.timeout_ms))));
      req.end(body);
    });
  }

  private async refusal(raw: string): Promise<string | null> {
    let url: URL;
    try {
      url = this.parse(raw);
    } catch (err) {
      return (err as Error).message;
    }
    const host = bare(url.hostname);
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await this.resolve(host)).map((a) => a.address);
    } catch {
      return `the host ${host} does not resolve`;
    }
    for (const address of addresses) {
      const refused = this.addressRefusal(address);
      if (refused) return refused;
    }
    return addresses.length === 0 ? `the host ${host} does not resolve` : null;
  }

  private parse(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error('not an absolute URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.options.allow_http)) throw new Error(this.options.allow_http ? 'must be http or https' : 'must be https');
    if (url.username || url.password) throw new Error('must not carry credentials');
    return url;
  }

  /** Why an address may not be called, or null when it may. */
  private addressRefusal(address: string): string | null {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return `${address} is not an IP address`;
    }
    const range = parsed.range();
    if (LOOPBACK.has(range) && !this.options.allow_loopback) return `${address} is a loopback address`;
    if (PRIVATE.has(range) && !this.options.allow_private) return `${address} is a private or link-local address`;
    if (NEVER.has(range)) return `${address} is a ${range} address`;
    return null;
  }

  /** The socket's DNS lookup: resolves, refuses the whole host if any address is refused, connects to a checked one. */
  private guardedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const refused = addresses.map((a) => this.addressRefusal(a.address)).find((r) => r !== null);
          if (refused || addresses.length === 0) {
            const err = Object.assign(new Error(`refused: ${refused ?? `${hostname} does not resolve`}`), { code: 'EWEBHOOKREFUSED' });
            return callback(err, '', 4);
          }
          const family = typeof options === 'object' && options?.family ? Number(options.family) : 0;
          const usable = family ? addresses.filter((a) => a.family === family) : addresses;
          if (typeof options === 'object' && options?.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
          const first = usable[0] ?? addresses[0]!;
          callback(null, first.address, first.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 4),
      );
    };
  }
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function describe(err: Error & { code?: string }, timeoutMs: number): string {
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  if (err.message.startsWith('refused:')) return err.message;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
