/**
 * The catalog module of the uyoop platform: the portal applies the same
 * validation as `yarn uyoop catalog validate` and draws where each service runs.
 */
export { catalogModuleUyoop as default } from './module';
export {
  RELATION_HOSTED_ON,
  RELATION_HOSTS,
  UyoopEntityProcessor,
  describeProblem,
} from './UyoopEntityProcessor';
export { catalogApiLookup } from './catalogLookup';
export type {
  CatalogApiLookupOptions,
  CatalogLookup,
  Lookup,
} from './catalogLookup';
