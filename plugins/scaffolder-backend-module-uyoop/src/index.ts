/**
 * The uyoop scaffolder module: template actions that render golden paths
 * through the platform's own generators (packages/k8s).
 */
export { scaffolderModuleUyoop as default } from './module';
export { renderManifestsAction } from './render';
export { catalogCheckAction } from './catalogCheck';
export { validateManifestsAction } from './validate';
