import { loadConfig } from '../../../configs/config.js';

export interface Answer {
  status: number;
  body: any;
}

/**
 * HTTP to an OMS under measurement, as a client on another machine would: keep-alive fetch, JSON
 * in and out. The internal token is the default config's, which the bench's OMS processes use.
 */
export class ApiClient {
  readonly internalToken = loadConfig().server.internal_token;

  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  internal(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.call(method, `/internal/api/v1${path}`, body, { 'x-internal-token': this.internalToken });
  }
}

/** Throws with the answer when the status is not the expected one (setup steps must not fail quietly). */
export function expectStatus(what: string, answer: Answer, ...ok: number[]): Answer {
  if (!ok.includes(answer.status)) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer;
}
