// kubernetes-models and its CRD packages export ES modules under the "import"
// condition only; let Jest's resolver take that condition for them (Jest then
// transforms the modules as it does any other).
const ESM_ONLY = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;

module.exports = (request, options) => {
  if (ESM_ONLY.test(request)) {
    return options.defaultResolver(request, {
      ...options,
      conditions: ['import', 'default'],
    });
  }
  return options.defaultResolver(request, options);
};

// Jest's workers keep one resolver per config id, and Backstage gives every
// package with the same transforms the same id: packages/k8s sets its own
// ("id" in package.json), or a run with other packages would resolve its
// files without this resolver.
