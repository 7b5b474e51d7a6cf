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
