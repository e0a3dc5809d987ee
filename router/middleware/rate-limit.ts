import type { Redis } from 'ioredis';
import type { Context, Middleware } from 'koa';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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
 * Request budgets per minute in Redis, shared by every process: per IP before authentication,
 * per credential and per tenant after it (a tenant's own limits override the defaults). Bulk
 * routes count their items. Over budget: 429 with Retry-After and RateLimit headers. If Redis
 * fails, an in-process limiter of the same size (rate-limiter-flexible's memory limiter) stands
 * in (insurance), so a Redis outage neither blocks nor unlimits the API.
 *
 * A request pays its credential's and its tenant's point in one script call (issue #11: one Redis
 * command per request, not one per budget): the same fixed window per key as
 * rate-limiter-flexible's Redis limiter (same key names), the budgets taken in order and the
 * next one left untouched once one is spent, as two consecutive limiter calls did.
 */
export class RateLimits {
  /** The in-process stand-ins used while Redis fails, by kind and size. */
  private readonly insurance = new Map<string, RateLimiterMemory>();
  /** Address -> when its block ends, as this process learnt it from Redis. */
  private readonly blockedIps = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly redis: Redis,
    private readonly config: RateLimitConfig,
    private readonly tenantLimits: RateLimitRepository,
  ) {
    redis.defineCommand(CONSUME_COMMAND, { lua: CONSUME_LUA });
  }

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
    const budgets: Budget[] = [{ kind: 'key', id: principal.id, perMinute: own?.key_per_minute ?? this.config.key_per_minute }];
    if (tenantId) budgets.push({ kind: 'tenant', id: tenantId, perMinute: own?.tenant_per_minute ?? this.config.tenant_per_minute });
    await this.consumeAll(ctx, budgets, points, true);
  }

  private async consume(ctx: Context, kind: string, id: string, perMinute: number, points: number, headers: boolean): Promise<void> {
    await this.consumeAll(ctx, [{ kind, id, perMinute }], points, headers);
  }

  /** Pays `points` from each budget in order, stopping at the first one spent (429). */
  private async consumeAll(ctx: Context, budgets: Budget[], points: number, headers: boolean): Promise<void> {
    const results = await this.take(budgets, points);
    results.forEach((res, i) => {
      const { kind, perMinute } = budgets[i]!;
      if (headers || res.remainingPoints < 0) setHeaders(ctx, perMinute, res);
      if (res.remainingPoints >= 0) return;
      if (kind === 'ip') this.blockedIps.set(ctx.ip, Date.now() + res.msBeforeNext, { ttl: Math.max(1, res.msBeforeNext) });
      throw overLimit(ctx, kind, perMinute, res.msBeforeNext);
    });
  }

  /** One result per budget taken (fewer than asked when one was spent); a negative remainder is over budget. */
  private async take(budgets: Budget[], points: number): Promise<RateLimiterRes[]> {
    const keys = budgets.map((b) => `${KEY_PREFIX}:${b.kind}:${b.kind}:${b.id}`);
    try {
      const raw = (await (this.redis as unknown as Record<string, ConsumeCommand>)[CONSUME_COMMAND]!(keys.length, ...keys, points, WINDOW_S, ...budgets.map((b) => b.perMinute))) as number[];
      const results: RateLimiterRes[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const consumed = Number(raw[i]);
        results.push(new RateLimiterRes(budgets[results.length]!.perMinute - consumed, Number(raw[i + 1]), consumed, consumed === points));
      }
      return results;
    } catch {
      return this.takeInProcess(budgets, points);
    }
  }

  private async takeInProcess(budgets: Budget[], points: number): Promise<RateLimiterRes[]> {
    const results: RateLimiterRes[] = [];
    for (const { kind, id, perMinute } of budgets) {
      const name = `${kind}:${perMinute}`;
      let limiter = this.insurance.get(name);
      if (!limiter) {
        limiter = new RateLimiterMemory({ keyPrefix: `${KEY_PREFIX}:${kind}`, points: perMinute, duration: WINDOW_S });
        this.insurance.set(name, limiter);
      }
      const res = await limiter.consume(`${kind}:${id}`, points).catch((rejection: unknown) => {
        if (rejection instanceof RateLimiterRes) return rejection;
        throw rejection;
      });
      const spent = res.consumedPoints > perMinute;
      results.push(spent ? new RateLimiterRes(perMinute - res.consumedPoints, res.msBeforeNext, res.consumedPoints, false) : res);
      if (spent) break;
    }
    return results;
  }
}

interface Budget {
  kind: string;
  id: string;
  perMinute: number;
}

type ConsumeCommand = (...args: (string | number)[]) => Promise<unknown>;

const KEY_PREFIX = 'rl';
const WINDOW_S = 60;
const CONSUME_COMMAND = 'omsRateLimitConsume';
/**
 * KEYS: the budgets' counters; ARGV: points, window (s), then each budget's size. Per key, what
 * rate-limiter-flexible's Redis limiter does (a counter created with the window's expiry, then
 * incremented); returns consumed and ms left per key, stopping after the first spent budget.
 */
const CONSUME_LUA = `
local out = {}
for i = 1, #KEYS do
  redis.call('set', KEYS[i], 0, 'EX', ARGV[2], 'NX')
  local consumed = redis.call('incrby', KEYS[i], ARGV[1])
  local ttl = redis.call('pttl', KEYS[i])
  if ttl == -1 then
    redis.call('expire', KEYS[i], ARGV[2])
    ttl = 1000 * ARGV[2]
  end
  out[#out + 1] = consumed
  out[#out + 1] = ttl
  if consumed > tonumber(ARGV[2 + i]) then break end
end
return out
`;

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
