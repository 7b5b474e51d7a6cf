/**
 * DRP, isomorphic part: types, permissions and the pure restore and drill
 * math shared by the engine, the backend, the CLI and the frontend.
 */
export * from './permissions';
export * from './plan';
export type * from './types';
