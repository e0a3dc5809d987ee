import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';

/**
 * The API contract as two OpenAPI documents generated from the route specs: `public` (seller
 * API, aggregator, courier webhook, health) at /openapi.json, and `internal` (service to
 * service) at /internal/openapi.json. Sellers and couriers never see the internal surface.
 * Linted in the test suite with Redocly's recommended rules (redocly.yaml).
 */
export type Audience = 'public' | 'internal';

const TAGS: Record<string, string> = {
  orders: 'Create, read, edit, approve and cancel orders; the timeline of each',
  'bulk jobs': 'Many orders at once: a job answers 202 at once and reports progress per item',
  'hub routing': 'Which hub (warehouse) fulfils an order: assign, reassign, a dry run, and re-evaluation of held orders',
  payments: 'Payment events of an order (authorized, paid, failed, refunded, cod_collected): idempotent by event_id, on the timeline, emitted as payment.*.v1',
  inventory: 'Stock per hub and SKU (on_hand, reserved, available) and transfers between hubs',
  shipments: 'Waybills (courier, AWB) of orders and their tracking points',
  invoices: 'Invoices issued when an order ships',
  returns: 'Returns of delivered units, restocked at the hub on receipt',
  hubs: 'Hubs (warehouses) of a tenant',
  aggregator: 'Dashboards: counts over a seller\'s orders',
  courier: 'Webhooks couriers call with shipment status',
  health: 'Liveness and readiness probes',
  tenants: 'Tenants, their sellers (API keys) and settings',
  events: 'Outgoing events (the oms-events topic, described at /asyncapi.json) that were refused for good: list and replay',
  webhooks: "A seller's webhook endpoints: events POSTed signed (Standard Webhooks), in order per order, retried, parked, replayed",
};

const INFO = {
  version: '1.0.0',
  // No public URL exists yet for either; redocly.yaml records why the licence has no url.
  contact: { name: 'OMS platform team' },
  license: { name: 'Proprietary: for the OMS platform\'s tenants and their integrators' },
};

const ERRORS = 'Every error is `{"error": {"code", "message", "details", "request_id"}}` (the `Error` schema): `code` is stable, `details` lists the fields that failed on 400 `validation_failed`.';

const DESCRIPTIONS: Record<Audience, { title: string; description: string }> = {
  public: {
    title: 'OMS seller API',
    description: [
      'Orders, stock, shipments, returns and invoices of one seller (`/api/v1/sellers/{seller_id}/…`), the seller dashboard (`/aggregator/…`), and the courier status webhook.',
      'Authenticate with `Authorization: Bearer <seller API key>`; the key\'s seller must be `{seller_id}`. Another seller\'s or tenant\'s resource is answered 404, exactly as a missing one.',
      ERRORS,
    ].join('\n\n'),
  },
  internal: {
    title: 'OMS internal API',
    description: [
      'Service-to-service routes (`/internal/api/v1/…`): tenants, sellers, hubs, settings, and every seller route on behalf of a seller (tenant in `X-Tenant-Id`).',
      'Authenticate with `X-Internal-Token: <token of the calling service>`.',
      ERRORS,
    ].join('\n\n'),
  },
};

export class ApiDocuments {
  readonly registries: Record<Audience, OpenAPIRegistry> = { public: new OpenAPIRegistry(), internal: new OpenAPIRegistry() };
  private readonly rendered = new Map<Audience, unknown>();

  constructor() {
    this.registries.public.registerComponent('securitySchemes', 'sellerApiKey', {
      type: 'http',
      scheme: 'bearer',
      description: 'The seller API key (shown once when the seller is created), or a platform JWT naming the tenant and seller',
    });
    this.registries.internal.registerComponent('securitySchemes', 'internalToken', {
      type: 'apiKey',
      in: 'header',
      name: 'X-Internal-Token',
      description: 'The calling service\'s own token',
    });
  }

  /** Generated once, on first request: the routes are all registered by then. */
  document(audience: Audience): unknown {
    if (!this.rendered.has(audience)) {
      const registry = this.registries[audience];
      const used = new Set(registry.definitions.flatMap((d) => (d.type === 'route' ? (d.route.tags ?? []) : [])));
      this.rendered.set(
        audience,
        dropTypelessNullable(new OpenApiGeneratorV3(registry.definitions).generateDocument({
          openapi: '3.0.3',
          info: { ...INFO, ...DESCRIPTIONS[audience] },
          servers: [{ url: '/', description: 'This server' }],
          tags: Object.entries(TAGS)
            .filter(([name]) => used.has(name))
            .map(([name, description]) => ({ name, description })),
        })),
      );
    }
    return this.rendered.get(audience);
  }
}

/**
 * zod-to-openapi renders `z.unknown()` (any JSON value) as `{nullable: true}`, which OpenAPI 3.0.3
 * forbids without a `type`; a schema with no type already allows any value, null included, so
 * dropping the flag there keeps the meaning and makes the document valid.
 */
function dropTypelessNullable<T>(node: T): T {
  if (Array.isArray(node)) {
    node.forEach(dropTypelessNullable);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.nullable === true && record.type === undefined && record.$ref === undefined) delete record.nullable;
    Object.values(record).forEach(dropTypelessNullable);
  }
  return node;
}
