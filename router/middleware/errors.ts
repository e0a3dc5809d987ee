import type { Middleware } from 'koa';
import type { Telemetry } from '../../core/platform/telemetry.js';
import { AppError, toAppError } from '../../core/domain/errors.js';

/**
 * The one place errors become responses: `{"error": {code, message, details, request_id}}`.
 * Messages of 5xx errors are hidden from clients (logged and noticed instead).
 */
export function errorRenderer(telemetry: Telemetry): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`);
    } catch (thrown) {
      const err = fromKoa(thrown);
      if (err.status >= 500) {
        ctx.state.logger?.error({ err: thrown }, 'request failed');
        telemetry.noticeError(thrown, { path: ctx.path, request_id: String(ctx.state.requestId ?? '') });
      }
      ctx.status = err.status;
      ctx.body = {
        error: {
          code: err.code,
          message: err.expose ? err.message : 'internal error',
          details: err.expose ? err.details : {},
          request_id: ctx.state.requestId ?? null,
        },
      };
    }
  };
}

/** Koa and its body parser throw http-errors (status, expose); map them onto our codes. */
function fromKoa(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  const status = (thrown as { status?: number }).status;
  const message = (thrown as Error).message ?? 'error';
  if (status === 413) return new AppError('payload_too_large', 'request body is too large');
  if (status === 415) return new AppError('bad_request', 'unsupported content type; send application/json');
  if (status === 400 || status === 422) return new AppError('bad_request', `malformed request body: ${message}`);
  return toAppError(thrown);
}
