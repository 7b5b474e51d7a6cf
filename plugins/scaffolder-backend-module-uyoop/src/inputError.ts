import { InputError } from '@backstage/errors';
import { GoldenPathError } from '@internal/k8s';

/**
 * Runs a golden-path check; its refusal (a GoldenPathError, which names the
 * field) becomes an InputError, which the scaffolder shows as the step's
 * failure. Anything else is rethrown as it is.
 */
export function asInputError<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof GoldenPathError) throw new InputError(e.message);
    throw e;
  }
}
