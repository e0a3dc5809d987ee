import { AppError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import type { RouteOrderOptions, RoutingPort, StockPort } from './ports.js';

/**
 * The stock and routing capability is built after the order module (it reads orders through
 * OrderRepository), so the order service gets this stand-in and the container binds the real
 * implementation once it exists. Until bound, a call is a retryable `dependency_unavailable`:
 * a queue message waits, an API caller gets 503, and nothing is half-done.
 */
export class LatePorts implements StockPort, RoutingPort {
  private stock: StockPort | null = null;
  private routing: RoutingPort | null = null;

  bind(ports: { stock?: StockPort; routing?: RoutingPort }): void {
    this.stock = ports.stock ?? this.stock;
    this.routing = ports.routing ?? this.routing;
  }

  releaseForOrder(scope: TenantScope, order: Order): Promise<void> {
    return this.need(this.stock, 'stock').releaseForOrder(scope, order);
  }

  consumeForOrder(scope: TenantScope, order: Order): Promise<void> {
    return this.need(this.stock, 'stock').consumeForOrder(scope, order);
  }

  restock(scope: TenantScope, hubCode: string, lines: { sku: string; quantity: number }[], key: string): Promise<void> {
    return this.need(this.stock, 'stock').restock(scope, hubCode, lines, key);
  }

  routeOrder(scope: TenantScope, orderId: string, options?: RouteOrderOptions): Promise<Order> {
    return this.need(this.routing, 'routing').routeOrder(scope, orderId, options);
  }

  private need<T>(port: T | null, name: string): T {
    if (!port) throw AppError.unavailable(`${name} capability (not wired)`, null);
    return port;
  }
}
