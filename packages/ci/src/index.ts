export * from './summary';
export * from './prepare';
export * from './suite';
export * from './backendImage';
