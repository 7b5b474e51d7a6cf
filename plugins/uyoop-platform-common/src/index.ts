/** uyoop platform plugin: the network reachability report's types and its reading. */
export {
  INTERNET,
  devToProdPaths,
  namespaceReachability,
} from './reachability';
export type {
  NamespaceReachability,
  ReachabilityPath,
  ReachabilityReport,
  Tier,
} from './reachability';
