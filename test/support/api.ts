import { contract } from './contract.js';
import { getStack } from './stack.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A small HTTP client for the OMS under test: real requests over a real connection. Every answer
 * is checked against the served OpenAPI documents (test/support/contract.ts): an undocumented
 * status or a body that does not match its schema fails the test.
 */
export async function http<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResponse<T>> {
  const res = await fetch(`${getStack().baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  return checked<T>(method, path, res);
}

/** Reads an answer and checks it against the documents; for tests that must build the request themselves (uploads). */
export async function checked<T = any>(method: string, path: string, res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (metrics)
  }
  (await contract()).check(method, path, res.status, res.headers.get('content-type'), body);
  return { status: res.status, body, headers: res.headers };
}

export function internalHeaders(tenantId?: string): Record<string, string> {
  return { 'x-internal-token': getStack().config.server.internal_token, ...(tenantId ? { 'x-tenant-id': tenantId } : {}) };
}

/** A fresh tenant with one seller (and its key): every test's own world. */
export interface TestTenant {
  tenantId: string;
  sellerId: string;
  apiKey: string;
  /** Calls a public seller route: `seller('GET', '/orders')` → /api/v1/sellers/{id}/orders. */
  seller<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Calls an internal seller route. */
  internal<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** Calls an aggregator route. */
  aggregator<T = any>(method: string, path: string): Promise<ApiResponse<T>>;
}

export async function createTenant(name = 'Test Tenant'): Promise<TestTenant> {
  const t = await http('POST', '/internal/api/v1/tenants', { body: { name }, headers: internalHeaders() });
  if (t.status !== 201) throw new Error(`tenant create failed: ${t.status} ${JSON.stringify(t.body)}`);
  const tenantId: string = t.body.data.id;
  const s = await http('POST', `/internal/api/v1/tenants/${tenantId}/sellers`, {
    body: { name: 'Seller', code: `s-${Math.random().toString(36).slice(2, 8)}` },
    headers: internalHeaders(),
  });
  if (s.status !== 201) throw new Error(`seller create failed: ${s.status} ${JSON.stringify(s.body)}`);
  const sellerId: string = s.body.data.id;
  const apiKey: string = s.body.data.api_key;
  const auth = { authorization: `Bearer ${apiKey}` };
  return {
    tenantId,
    sellerId,
    apiKey,
    seller: (method, path, body, headers) => http(method, `/api/v1/sellers/${sellerId}${path}`, { body, headers: { ...auth, ...(headers ?? {}) } }),
    internal: (method, path, body) => http(method, `/internal/api/v1/sellers/${sellerId}${path}`, { body, headers: internalHeaders(tenantId) }),
    aggregator: (method, path) => http(method, `/aggregator/api/v1/sellers/${sellerId}${path}`, { headers: auth }),
  };
}

export interface HubInput {
  code: string;
  latitude?: number;
  longitude?: number;
  is_external?: boolean;
  daily_capacity?: number | null;
  priority?: number;
  performance_score?: number;
}

export async function createHub(tenantId: string, hub: HubInput): Promise<any> {
  const res = await http('POST', `/internal/api/v1/tenants/${tenantId}/hubs`, {
    body: { name: hub.code, latitude: 24.7, longitude: 46.7, ...hub },
    headers: internalHeaders(),
  });
  if (res.status !== 201) throw new Error(`hub create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Polls `probe` until it returns a truthy value or the time is up (then throws with `what`). */
export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * A write as a client makes it: 409 order_in_progress (routing, a sweep or another write holds the
 * order's lock for a moment) is retryable, so it is asked again; any other answer is returned.
 */
export async function pastBusy(what: string, call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  return eventually(`${what} past order_in_progress`, async () => {
    const res = await call();
    return res.status === 409 && res.body?.error?.code === 'order_in_progress' ? null : res;
  });
}
