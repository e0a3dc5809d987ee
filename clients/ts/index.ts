import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';
export type OmsClient = Client<paths>;

/**
 * A typed client of the OMS seller API (the public OpenAPI document): every path, parameter,
 * body and answer is checked by the compiler.
 *
 *   const oms = createOmsClient('https://oms.example.com', process.env.OMS_API_KEY);
 *   const { data, error } = await oms.GET('/api/v1/sellers/{seller_id}/orders/{order_id}', {
 *     params: { path: { seller_id: 'sel_…', order_id: 'ord_…' } },
 *   });
 */
export function createOmsClient(baseUrl: string, apiKey: string, options: Omit<ClientOptions, 'baseUrl'> = {}): OmsClient {
  return createClient<paths>({ ...options, baseUrl, headers: { ...(options.headers as Record<string, string> | undefined), authorization: `Bearer ${apiKey}` } });
}
