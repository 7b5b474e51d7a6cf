/**
 * FinOps, isomorphic part: types, permissions and the pure cost math shared
 * by the engine, the backend, the CLI and the frontend.
 */
export * from './money';
export * from './dossier';
export * from './roi';
export * from './forecast';
export * from './budget';
export * from './allocation';
export * from './permissions';
export type * from './types';
