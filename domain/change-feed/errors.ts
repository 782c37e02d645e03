// The change feed's errors, shared by the listener and the writer Lambda.
import { ServiceError } from "../runtime/errors.js";

export class ChangeFeedError extends ServiceError {
  override name = "ChangeFeedError";
}

/** A mapping (from the file or the mappings hash) is invalid; the reason names the field. */
export class MappingError extends ChangeFeedError {
  override name = "MappingError";
  override readonly status = 400;
}

/** The writer was invoked with something that is not `{ table, changes }`. */
export class BadWriteRequest extends ChangeFeedError {
  override name = "BadWriteRequest";
  override readonly status = 400;
}

/** The writer was asked to write to a table it was not deployed for. */
export class TableNotAllowed extends ChangeFeedError {
  override name = "TableNotAllowed";
  override readonly status = 403;
}

/**
 * A sink did not confirm a delivery. Retryable (throttled, unreachable, the writer down): the journal
 * keeps the entries and tries again. Not retryable (no such table or function, access denied, a payload
 * the sink refuses): after a few tries the keys are dead-lettered with this reason.
 */
export class SinkFailed extends ChangeFeedError {
  override name = "SinkFailed";
  override readonly status = 502;
  override readonly retryable: boolean;

  constructor(message: string, options: ErrorOptions & { retryable: boolean }) {
    super(message, options);
    this.retryable = options.retryable;
  }
}
