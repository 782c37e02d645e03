// The base of every error a core throws on purpose: what went wrong in words a caller can act on, the
// HTTP status an edge answers with, and whether the same request may succeed later. Each core has its
// own subclass (CommandGatewayError, ChangeFeedError, ...); wrapping keeps the original as `cause`.
export class ServiceError extends Error {
  override name = "ServiceError";
  /** The HTTP status an edge (API Gateway, the local servers) answers with. */
  readonly status: number = 500;
  /** True when the same request may succeed if tried again later (an outage, throttling). */
  readonly retryable: boolean = false;
}

/** A setting read at init is missing or not a valid value: the function must not start. */
export class ConfigError extends ServiceError {
  override name = "ConfigError";
}

/** The message of anything thrown, for logs and replies. */
export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
