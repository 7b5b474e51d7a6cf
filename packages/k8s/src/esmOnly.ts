/**
 * kubernetes-models and its CRD packages publish ES modules only (their
 * exports carry an "import" condition and no "require"). The command line
 * runs as CommonJS under tsx, where `require` would not find them; Node
 * (>= 22.15) loads an ES module through `require` once resolution is allowed
 * to take the "import" condition, which this hook does for those packages alone.
 */
import { registerHooks } from 'node:module';

const ESM_ONLY = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;

let registered = false;

export function allowEsmOnlyModels(): void {
  if (registered || typeof registerHooks !== 'function') return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (!ESM_ONLY.test(specifier)) return nextResolve(specifier, context);
      return nextResolve(specifier, {
        ...context,
        conditions: [...(context.conditions ?? []), 'import'],
      });
    },
  });
}

allowEsmOnlyModels();
