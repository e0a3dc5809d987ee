import type Router from '@koa/router';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Actor } from '../core/domain/order.js';
import type { SellerScope } from '../core/domain/tenant-scope.js';
import { parseInput } from '../core/domain/validation.js';
import { defaultScope, requireScope, type Scope } from './scopes.js';

/** Who is calling, set by the auth middleware of the route's router. */
export interface Caller {
  actor: Actor;
  /** Present on seller-scoped routes (public, aggregator, internal seller routes). */
  scope?: SellerScope;
  tenantId?: string;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** Koa style, relative to the group's prefix: '/orders/:order_id'. */
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented success status and description. */
  status?: number;
  description?: string;
  /** Extra documented responses (status -> description). */
  errors?: Record<number, string>;
  /** Extra middleware (e.g. file upload) run before validation. */
  before?: Middleware[];
  /** The scope a credential needs (403 insufficient_scope without it); default: scopes.ts defaultScope. */
  scope?: Scope;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  ctx: Context;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

const COMMON_ERRORS: Record<number, string> = {
  400: 'validation_failed: the fields that failed are in error.details',
  401: 'missing or invalid credentials',
  404: 'not found (also for another tenant\'s resources)',
};

/**
 * A group of routes under one prefix and one credential. `add` registers the Koa route and its
 * OpenAPI description from the same zod schemas, and validates params, query and body before the
 * handler runs, so a controller only shapes input and output around one service call.
 */
export class RouteGroup {
  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry,
    private readonly options: { prefix: string; security: string | null },
  ) {}

  add<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>,
  ): void {
    const fullPath = `${this.options.prefix}${spec.path}`;
    const scope = spec.scope ?? defaultScope(spec, this.options.prefix);
    this.registry.registerPath({
      method: spec.method,
      path: fullPath.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      tags: [spec.tag],
      security: this.options.security ? [{ [this.options.security]: scope ? [scope] : [] }] : [],
      request: {
        ...(spec.params ? { params: spec.params as unknown as z.ZodObject } : {}),
        ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
      },
      responses: {
        [spec.status ?? 200]: { description: spec.description ?? 'success: {"data": ...}' },
        ...Object.fromEntries(Object.entries({ ...COMMON_ERRORS, ...(spec.errors ?? {}) }).map(([s, d]) => [s, { description: d }])),
      },
    });

    // Before any upload middleware: a credential without the scope gets nothing read.
    const checkScope: Middleware = async (ctx, next) => {
      requireScope(ctx, scope);
      await next();
    };
    const handle: Middleware = async (ctx) => {
      const params = (spec.params ? parseInput(spec.params, ctx.params, 'path') : ctx.params) as z.output<P>;
      const query = (spec.query ? parseInput(spec.query, ctx.query, 'query') : ctx.query) as z.output<Q>;
      const body = (spec.body ? parseInput(spec.body, ctx.request.body ?? {}) : ctx.request.body) as z.output<B>;
      const result = await handler({ params, query, body, caller: ctx.state.caller as Caller, ctx });
      ctx.status = result.status ?? spec.status ?? 200;
      ctx.body = result.body;
      for (const [k, v] of Object.entries(result.headers ?? {})) ctx.set(k, v);
    };
    // The router carries the prefix itself; the full path is for the OpenAPI document.
    this.router[spec.method](spec.path, checkScope, ...(spec.before ?? []), handle);
  }
}

/** Common path/query pieces. */
export const Ids = {
  sellerParams: z.object({ seller_id: z.string().min(1) }),
  page: z.coerce.number().int().min(1).default(1),
  perPage: z.coerce.number().int().min(1).max(200).default(20),
};
