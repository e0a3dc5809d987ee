import inflate from 'inflation';
import getRawBody from 'raw-body';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../core/domain/errors.js';
import { jsonDepthExceeds } from '../../core/domain/safe-text.js';

declare module 'koa' {
  interface Request {
    body?: unknown;
    rawBody?: string;
  }
}

export interface JsonBodyOptions {
  /** Byte limit after decompression ('10mb'). */
  limit: string;
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth: number;
  /** false: keep only the raw text (a signature is verified over it first; parseJsonBody later). */
  parse?: boolean;
  /** Also read (never parse) form bodies, for a route that parses them itself (Pusher channel auth). */
  form?: boolean;
}

/**
 * Reads a JSON body. Mounted on each router after its credential check, so nothing is read,
 * inflated or parsed for a caller that is not known. Every failure is a 4xx: an unknown
 * Content-Encoding or a non-JSON type is 415, a body that does not inflate or parse, or nests
 * deeper than allowed, is 400, a body over the limit (after inflation) is 413.
 * Multipart bodies are left to the route's own upload middleware.
 */
export function jsonBody(options: JsonBodyOptions): Middleware {
  return async (ctx, next) => {
    if (!ctx.request.body && ctx.request.rawBody === undefined && hasBody(ctx) && !ctx.is('multipart/form-data')) {
      const form = options.form === true && ctx.is('application/x-www-form-urlencoded') !== false;
      if (!form && !ctx.is('application/json', '+json')) throw new AppError('unsupported_media_type', 'unsupported content type; send application/json', { field: 'header.content-type' });
      ctx.request.rawBody = await readText(ctx, options.limit);
      if (options.parse !== false && !form) parseJsonBody(ctx, options.maxDepth);
    }
    await next();
  };
}

/** Parses ctx.request.rawBody into ctx.request.body (depth-checked first). */
export function parseJsonBody(ctx: Context, maxDepth: number): void {
  const text = ctx.request.rawBody ?? '';
  if (text.trim() === '') {
    ctx.request.body = {};
    return;
  }
  if (jsonDepthExceeds(text, maxDepth)) throw new AppError('bad_request', `malformed request body: nested deeper than ${maxDepth} levels`, { field: '(body)' });
  try {
    ctx.request.body = JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('bad_request', `malformed request body: ${(err as Error).message}`, { field: '(body)' });
  }
}

function hasBody(ctx: Context): boolean {
  return ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
}

async function readText(ctx: Context, limit: string): Promise<string> {
  const encoding = (ctx.get('content-encoding') || 'identity').toLowerCase();
  let stream;
  try {
    stream = inflate(ctx.req, { encoding });
  } catch {
    throw new AppError('unsupported_media_type', `unsupported Content-Encoding ${encoding}; send identity, gzip, deflate or br`, { field: 'header.content-encoding' });
  }
  try {
    return await getRawBody(stream, { limit, encoding: 'utf-8', ...(encoding === 'identity' ? { length: ctx.get('content-length') || null } : {}) });
  } catch (err) {
    const e = err as { status?: number; type?: string; code?: string; message: string };
    if (e.status === 413 || e.type === 'entity.too.large') throw new AppError('payload_too_large', 'request body is too large', { limit });
    if (e.status === 415) throw new AppError('unsupported_media_type', e.message, { field: 'header.content-type' });
    // zlib errors (Z_DATA_ERROR, Z_BUF_ERROR...) and aborted or short bodies: the client's fault.
    // zlib names its errors Z_*; the brotli decoder ERR__ERROR_* (ERR__ERROR_FORMAT_PADDING_1...).
    const undecodable = e.code?.startsWith('Z_') === true || e.code?.startsWith('ERR__ERROR_') === true;
    if (undecodable || (e.status !== undefined && e.status < 500) || e.code === 'ECONNRESET') {
      throw new AppError('bad_request', `malformed request body: ${undecodable ? `not valid ${encoding} data` : e.message}`, { field: 'header.content-encoding' });
    }
    throw err;
  }
}

/** parseJsonBody as a middleware, for routes that read the raw text first (signed webhooks). */
export function parseRawJson(maxDepth: number): Middleware {
  return async (ctx, next) => {
    if (ctx.request.rawBody !== undefined && ctx.request.body === undefined) parseJsonBody(ctx, maxDepth);
    await next();
  };
}
