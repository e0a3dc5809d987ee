import type { Container } from './container.js';
import { sellerScope, tenantScope } from '../core/domain/tenant-scope.js';
import { AppError } from '../core/domain/errors.js';
import { CarrierSimulator } from '../external-service/courier/carrier-simulator.js';

/** Fixed ids, so a restarted dev stack finds its demo data again instead of adding more. */
export const DEMO = {
  tenantId: 'ten_demo',
  sellerId: 'sel_demo',
  apiKey: 'oms_ten_demo_demo-seller-key-not-for-production',
  hubs: [
    { code: 'RUH-1', name: 'Riyadh Central', latitude: 24.7136, longitude: 46.6753, priority: 10, performance_score: 0.9 },
    { code: 'JED-1', name: 'Jeddah Port', latitude: 21.4858, longitude: 39.1925, priority: 5, performance_score: 0.8 },
    { code: 'DMM-1', name: 'Dammam East', latitude: 26.4207, longitude: 50.0888, priority: 5, performance_score: 0.7 },
  ],
  skus: ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4'],
} as const;

export interface DemoSeeders {
  /** Stock for the demo SKUs at every demo hub (filled in by the inventory module). */
  stock?: (container: Container) => Promise<void>;
}

/** Demo tenant, a seller whose API key is printed, three hubs and stock; idempotent. */
export async function seedDemo(container: Container, seeders: DemoSeeders = {}): Promise<typeof DEMO> {
  const scope = tenantScope(DEMO.tenantId);
  await container.tenancy.tenants.ensureTenant({ id: DEMO.tenantId, name: 'Demo Tenant' });
  await container.tenancy.tenants.ensureSeller(scope, { id: DEMO.sellerId, name: 'Demo Seller', code: 'demo-seller' }, DEMO.apiKey);
  for (const hub of DEMO.hubs) {
    try {
      await container.tenancy.hubs.create(scope, { ...hub, is_external: false, daily_capacity: null });
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    }
  }
  await seeders.stock?.(container);
  return DEMO;
}

/** Stock for every demo SKU at every demo hub, set only where none exists (a restart keeps what the demo did). */
export async function seedDemoStock(container: Container): Promise<void> {
  const scope = sellerScope(DEMO.tenantId, DEMO.sellerId);
  const existing = await container.stockRouting.stock.list(scope, {});
  for (const hub of DEMO.hubs) {
    for (const [i, sku] of DEMO.skus.entries()) {
      if (existing.some((r) => r.hub_code === hub.code && r.sku === sku)) continue;
      await container.stockRouting.stock.setOnHand(scope, { hub_code: hub.code, sku, quantity: 50 + 25 * i });
    }
  }
}

/**
 * Two simulated carriers for the demo tenant (courier booking, docs/adr/0011), set as its carriers
 * unless it already has some: a packed demo order gets a courier booked. `POST {url}/_control
 * {"down": true}` on one shows the fail-over; on both, `awaiting_courier`.
 */
export async function seedDemoCarriers(container: Container): Promise<CarrierSimulator[]> {
  const sims = [new CarrierSimulator('sim-fast'), new CarrierSimulator('sim-backup')];
  for (const sim of sims) await sim.start();
  const scope = tenantScope(DEMO.tenantId);
  const current = await container.tenancy.tenants.settings(scope);
  if (current.courier.carriers.length === 0) {
    await container.tenancy.tenants.updateSettings(scope, { courier: { carriers: sims.map((s, i) => ({ name: s.name, base_url: s.baseUrl, priority: i + 1, enabled: true })) } });
  }
  return sims;
}
