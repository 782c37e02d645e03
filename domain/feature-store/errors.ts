// The feature store's errors: a load or a rollback that cannot proceed, with the status an edge answers.
import { ServiceError } from "../runtime/errors.js";

export class FeatureStoreError extends ServiceError {
  override name = "FeatureStoreError";
}

/** The invocation names no object to load, or names it badly. */
export class BadLoadRequest extends FeatureStoreError {
  override name = "BadLoadRequest";
  override readonly status = 400;
}

/** A load finished as `failed`: the current version keeps serving. S3 retries the invocation. */
export class LoadFailed extends FeatureStoreError {
  override name = "LoadFailed";
  override readonly retryable = true;
}

/** A file that parsed but must not be published (not whole, too few users, an unintended shrink). */
export class LoadRefused extends FeatureStoreError {
  override name = "LoadRefused";
}

/** There is no previous version left to roll back to. */
export class NoPreviousVersion extends FeatureStoreError {
  override name = "NoPreviousVersion";
  override readonly status = 409;
}
