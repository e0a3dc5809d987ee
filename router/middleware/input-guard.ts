import type { Middleware } from 'koa';
import { AppError, type FieldError } from '../../core/domain/errors.js';
import { isSafeText, UNSAFE_TEXT_MESSAGE } from '../../core/domain/safe-text.js';

/**
 * Checks the path and query of every request before any router or credential check sees them:
 * each path segment must percent-decode (a bad escape such as %ZZ is 400, not a URIError deep in
 * a middleware) and, like every query value, be safe text (safe-text.ts). Route schemas then
 * validate the decoded values; this guard covers routes without a params schema too.
 */
export function inputGuard(): Middleware {
  return async (ctx, next) => {
    const problems: FieldError[] = [];
    for (const segment of ctx.path.split('/')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        problems.push({ field: 'path', message: `malformed percent-escape in "${segment.slice(0, 64)}"` });
        continue;
      }
      if (!isSafeText(decoded)) problems.push({ field: 'path', message: UNSAFE_TEXT_MESSAGE });
    }
    for (const [key, value] of Object.entries(ctx.query)) {
      for (const v of [key, ...(Array.isArray(value) ? value : [value ?? ''])]) {
        if (!isSafeText(v)) problems.push({ field: `query.${isSafeText(key) ? key : '?'}`, message: UNSAFE_TEXT_MESSAGE });
      }
    }
    if (problems.length > 0) throw AppError.validation(problems, 'request path or query is malformed');
    await next();
  };
}
