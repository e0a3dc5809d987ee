/**
 * The one error type of the OMS. `code` is stable (clients and dashboards key on it); the HTTP
 * status comes from one table; `retryable` tells a queue worker whether to leave the message for
 * redelivery (true) or dead-letter it at once (false).
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, retryable: false },
  bad_request: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  insufficient_scope: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  order_not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  order_already_exists: { status: 409, retryable: false },
  order_in_progress: { status: 409, retryable: true },
  invalid_transition: { status: 409, retryable: false },
  edit_not_allowed: { status: 409, retryable: false },
  version_conflict: { status: 409, retryable: true },
  insufficient_stock: { status: 409, retryable: false },
  refund_exceeds_paid: { status: 409, retryable: false },
  payment_event_conflict: { status: 409, retryable: false },
  idempotency_key_reused: { status: 422, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  rate_limited: { status: 429, retryable: true },
  dependency_unavailable: { status: 503, retryable: true },
  internal: { status: 500, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  /** Messages of 5xx errors are not shown to clients. */
  readonly expose: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | FieldError[] = {},
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.expose = this.status < 500;
  }

  static validation(fields: FieldError[], message = 'request validation failed'): AppError {
    return new AppError('validation_failed', message, fields);
  }

  static notFound(what: string, id: string): AppError {
    return new AppError(what === 'order' ? 'order_not_found' : 'not_found', `${what} ${id} not found`, { [`${what}_id`]: id });
  }

  static unavailable(dependency: string, cause: unknown): AppError {
    return new AppError('dependency_unavailable', `${dependency} is unavailable`, { dependency }, { cause });
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * Failures that mean a store or queue did not answer (by the error's name or system code, so this
 * file needs no driver): MongoDB server selection and network errors, ioredis giving up on a
 * command, a refused or timed-out connection. Answered 503 `dependency_unavailable`, not 500.
 */
const UNAVAILABLE_NAMES = new Set(['MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError', 'MongoTopologyClosedError', 'MaxRetriesPerRequestError', 'TimeoutError']);
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return UNAVAILABLE_NAMES.has(err.name) || (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || /Connection is closed|Stream isn't writeable/.test(err.message);
}

/** Wraps anything thrown into an AppError: unknown failures are internal and retryable. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isUnavailable(err)) return new AppError('dependency_unavailable', 'a store the OMS needs is unavailable', { reason: message.slice(0, 200) }, { cause: err });
  return new AppError('internal', message, {}, { cause: err });
}
