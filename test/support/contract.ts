import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { getStack } from './stack.js';

/**
 * Checks every answer the tests receive against the OpenAPI documents the app serves: the
 * operation must be documented, the status must be one of its documented responses, and the
 * JSON body must match that response's schema (ajv on the document's own schemas, so a field
 * renamed in code and not in the document fails the test that received it).
 */

type Doc = { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, unknown> }> }>> };

interface Route {
  doc: string;
  template: string;
  pattern: RegExp;
  params: number;
}

/** Not API operations: what they answer is not JSON described by the documents. */
const UNDESCRIBED = new Set(['/metrics', '/openapi.json', '/internal/openapi.json', '/asyncapi.json']);

// ajv-formats is CommonJS with a default export; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export class ContractChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly docs: Record<string, Doc>) {
    addFormats(this.ajv);
    for (const [name, doc] of Object.entries(docs)) {
      this.ajv.addSchema(doc, name);
      for (const template of Object.keys(doc.paths)) {
        const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);
        this.routes.push({ doc: name, template, pattern, params: (template.match(/\{/g) ?? []).length });
      }
    }
    // Literal segments win over parameters: /orders/bulk before /orders/{order_id}.
    this.routes.sort((a, b) => a.params - b.params);
  }

  /** What is wrong with this answer, or an empty list. */
  problems(method: string, url: string, status: number, contentType: string | null, body: unknown): string[] {
    const path = new URL(url, 'http://x').pathname;
    if (UNDESCRIBED.has(path)) return [];
    const m = method.toLowerCase();
    const route = this.routes.find((r) => r.pattern.test(path) && this.docs[r.doc]!.paths[r.template]![m]);
    if (!route) return this.noRoute(method, path, status, body);
    const operation = this.docs[route.doc]!.paths[route.template]![m]!;
    const where = `${operation.operationId ?? `${method} ${route.template}`} (${route.doc} document)`;
    const response = operation.responses[String(status)];
    if (!response) return [`${where} answered ${status}, which it does not document (documented: ${Object.keys(operation.responses).join(', ')})`];
    if (!response.content?.['application/json']) return [];
    if (!contentType?.startsWith('application/json')) return [`${where} ${status}: content-type ${contentType ?? 'none'}, documented application/json`];
    const pointer = `/paths/${escape(route.template)}/${m}/responses/${status}/content/${escape('application/json')}/schema`;
    const validate = this.validator(`${route.doc}#${pointer}`);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where} ${status}: body${e.instancePath} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }

  /** A path no document has: only the router's 404/405, in the shared Error body, is a right answer. */
  private noRoute(method: string, path: string, status: number, body: unknown): string[] {
    if (status !== 404 && status !== 405) return [`${method} ${path} is not an operation of any OpenAPI document (answered ${status})`];
    const validate = this.validator('public#/components/schemas/Error');
    return validate(body) ? [] : [`${method} ${path} ${status}: not the Error body: ${this.ajv.errorsText(validate.errors)}`];
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  /** Throws with every problem: what the test helpers call on each answer. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    const found = this.problems(method, url, status, contentType, body);
    if (found.length > 0) throw new Error(`response does not match the OpenAPI document:\n  ${found.slice(0, 10).join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
  }
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The documents the running test stack serves, fetched once per run. */
export async function fetchServedDocuments(): Promise<Record<'public' | 'internal', Doc>> {
  const { baseUrl, config } = getStack();
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, { headers });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as Doc;
  };
  const [pub, internal] = await Promise.all([get('/openapi.json'), get('/internal/openapi.json', { 'x-internal-token': config.server.internal_token })]);
  return { public: pub, internal };
}

let checker: Promise<ContractChecker> | null = null;

export function contract(): Promise<ContractChecker> {
  checker ??= fetchServedDocuments().then((docs) => new ContractChecker(docs));
  return checker;
}
