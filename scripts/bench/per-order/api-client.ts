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

  /**
   * A request with no answer within `timeoutMs` answers status 0 (a client gives up; the flows
   * count it and go on) instead of failing the whole run.
   */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<Answer> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') return { status: 0, body: { error: `no answer within ${timeoutMs} ms` } };
      throw err;
    }
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
