import type { Middleware } from 'koa';
import { AppError } from '../../core/domain/errors.js';

/**
 * When the internal API or /metrics have ports of their own, each answers only there, and the
 * public port answers neither (404, as for a route it does not have): a firewall or a load
 * balancer can then expose the public port alone. Health checks answer on every port.
 */
export function portGate(config: { port: number; internal_port: number; metrics_port: number }): Middleware {
  return async (ctx, next) => {
    if (config.internal_port === 0 && config.metrics_port === 0) return next();
    const port = ctx.req.socket.localPort;
    const isMetrics = ctx.path === '/metrics';
    const isInternal = ctx.path.startsWith('/internal/');
    const isHealth = ctx.path.startsWith('/health/');
    const home = isMetrics && config.metrics_port > 0 ? config.metrics_port : isInternal || isMetrics ? config.internal_port || null : null;
    const onInternalPort = port === config.internal_port || port === config.metrics_port;
    const allowed = isHealth || (home !== null ? port === home : !onInternalPort);
    if (!allowed) throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`);
    await next();
  };
}
