import type { Redis } from 'ioredis';
import type { Context, Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { LRUCache } from 'lru-cache';
import { AppError, isAppError } from '../../core/domain/errors.js';
import { tenantScope } from '../../core/domain/tenant-scope.js';
import type { RateLimitRepository } from '../../core/tenant/rate-limit.repository.js';
import { principalOf } from '../scopes.js';

export interface RateLimitConfig {
  enabled: boolean;
  ip_per_minute: number;
  key_per_minute: number;
  tenant_per_minute: number;
}

/**
 * Request budgets per minute in Redis (rate-limiter-flexible), shared by every process: per IP
 * before authentication, per credential and per tenant after it (a tenant's own limits override
 * the defaults). Bulk routes count their items. Over budget: 429 with Retry-After and RateLimit
 * headers. If Redis fails, an in-process limiter of the same size stands in (insurance), so a
 * Redis outage neither blocks nor unlimits the API.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  /** Address -> when its block ends, as this process learnt it from Redis. */
  private readonly blockedIps = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly redis: Redis,
    private readonly config: RateLimitConfig,
    private readonly tenantLimits: RateLimitRepository,
  ) {}

  /**
   * App level, before any credential is checked: an address that spent its budget of failed
   * authentications is refused before any work (this process remembers the block until the
   * window ends). Only a request whose credential fails pays a point, in Redis (shared by every
   * process): a caller with a valid credential is limited per credential and tenant instead, so
   * the common request costs no Redis call here.
   */
  perIp(): Middleware {
    return async (ctx, next) => {
      if (!this.config.enabled) return next();
      const blocked = this.blockedIps.get(ctx.ip);
      if (blocked) throw overLimit(ctx, 'ip', this.config.ip_per_minute, blocked - Date.now());
      try {
        await next();
      } catch (err) {
        if (isAppError(err) && err.status === 401) await this.consume(ctx, 'ip', ctx.ip, this.config.ip_per_minute, 1, false);
        throw err;
      }
    };
  }

  /** After the credential middleware: the key (or service) and its tenant each pay one point. */
  perCredential(): Middleware {
    return async (ctx, next) => {
      if (this.config.enabled) await this.charge(ctx, 1);
      await next();
    };
  }

  /** After the body is read: a bulk request pays one more point per item beyond the first. */
  bulkItems(): Middleware {
    return async (ctx, next) => {
      if (this.config.enabled && /\/bulk$/.test(ctx.path) && ctx.method === 'POST') {
        const items = countItems(ctx.request.body);
        if (items > 1) await this.charge(ctx, items - 1);
      }
      await next();
    };
  }

  private async charge(ctx: Context, points: number): Promise<void> {
    const principal = principalOf(ctx);
    if (!principal) return;
    const tenantId = (ctx.state.caller as { tenantId?: string } | undefined)?.tenantId ?? (principal.tenants === '*' ? undefined : principal.tenants[0]);
    const own = tenantId ? await this.tenantLimits.get(tenantScope(tenantId)) : null;
    await this.consume(ctx, 'key', principal.id, own?.key_per_minute ?? this.config.key_per_minute, points, true);
    if (tenantId) await this.consume(ctx, 'tenant', tenantId, own?.tenant_per_minute ?? this.config.tenant_per_minute, points, true);
  }

  private async consume(ctx: Context, kind: string, id: string, perMinute: number, points: number, headers: boolean): Promise<void> {
    const limiter = this.limiter(kind, perMinute);
    try {
      const res = await limiter.consume(`${kind}:${id}`, points);
      if (headers) setHeaders(ctx, perMinute, res);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      setHeaders(ctx, perMinute, rejection);
      if (kind === 'ip') this.blockedIps.set(ctx.ip, Date.now() + rejection.msBeforeNext, { ttl: Math.max(1, rejection.msBeforeNext) });
      throw overLimit(ctx, kind, perMinute, rejection.msBeforeNext);
    }
  }

  private limiter(kind: string, points: number): RateLimiterRedis {
    const name = `${kind}:${points}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `rl:${kind}`,
        points,
        duration: 60,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rl:${kind}`, points, duration: 60 }),
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}

function overLimit(ctx: Context, kind: string, perMinute: number, msBeforeNext: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  ctx.set('Retry-After', String(retryAfter));
  return new AppError('rate_limited', `rate limit exceeded (${kind}: ${perMinute} per minute)`, { limit: perMinute, scope: kind, retry_after_s: retryAfter });
}

function setHeaders(ctx: Context, limit: number, res: RateLimiterRes): void {
  const remaining = Math.max(0, res.remainingPoints);
  const reset = Math.ceil(res.msBeforeNext / 1000);
  ctx.set('RateLimit-Limit', String(limit));
  ctx.set('RateLimit-Remaining', String(remaining));
  ctx.set('RateLimit-Reset', String(reset));
  ctx.set('RateLimit', `limit=${limit}, remaining=${remaining}, reset=${reset}`);
}

/** The item count of a bulk body: its longest top-level array (order_ids, orders, shipments…). */
function countItems(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (!body || typeof body !== 'object') return 0;
  return Math.max(0, ...Object.values(body).map((v) => (Array.isArray(v) ? v.length : 0)));
}
