export { parseVersionsEnv, readVersions } from '@internal/platform';
