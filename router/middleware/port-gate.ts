import type { Middleware } from 'koa';
import { AppError } from '../../core/domain/errors.js';

/**
 * When the internal API has a port of its own (server.internal_port), it answers only there and
 * the public port does not answer it (404, as for a route it does not have), while the internal
 * port answers nothing public: a firewall or a load balancer can then expose the public port
 * alone. Health checks answer on both. /metrics stays on the API ports behind an internal token;
 * monitoring.metrics_port serves it without one on a listener of its own.
 */
export function portGate(config: { internal_port: number }): Middleware {
  return async (ctx, next) => {
    if (config.internal_port === 0) return next();
    const onInternalPort = ctx.req.socket.localPort === config.internal_port;
    const isInternal = ctx.path.startsWith('/internal/') || ctx.path === '/metrics';
    const isHealth = ctx.path.startsWith('/health/');
    if (!isHealth && isInternal !== onInternalPort) throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`);
    await next();
  };
}
