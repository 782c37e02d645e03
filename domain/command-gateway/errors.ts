// The command gateway's errors. Each says why in Redis's own style where Redis would have answered,
// and carries the status the REST edge answers with; GraphQL reports the name as the errorType.
import { ServiceError } from "../runtime/errors.js";

export class CommandGatewayError extends ServiceError {
  override name = "CommandGatewayError";
  override readonly status: number = 400;
}

/** The request itself is malformed or over a limit: nothing ran. */
export class BadRequest extends CommandGatewayError {
  override name = "BadRequest";
}

/** Why a command was refused, in a word: the Refusals metric's Reason dimension (a small, fixed set). */
export type RefusalReason =
  | "unauthorized"
  | "request"
  | "unknown-command"
  | "arity"
  | "grammar"
  | "not-exposed"
  | "read-only"
  | "scripts"
  | "key-prefix"
  | "blocking"
  | "cost"
  | "rate"
  | "subscription";

/** A command may not run for this caller; refused before anything runs. `message` is `ERR ...`. */
export class CommandRefused extends CommandGatewayError {
  override name = "CommandRefused";

  constructor(
    message: string,
    readonly reason: RefusalReason,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** MULTI/EXEC was discarded as a whole (EXECABORT): nothing of it ran. */
export class TransactionAborted extends CommandGatewayError {
  override name = "TransactionAborted";
}

/** A script ran past the gateway's time limit and could not be stopped in time (an unkillable script wrote). */
export class ScriptKilled extends CommandGatewayError {
  override name = "ScriptKilled";
  override readonly status = 408;
}
