/**
 * Provisioning engine: from catalog/ (through @internal/platform) to the
 * Ansible inventory, cloud-init user-data, the WireGuard mesh plan and the
 * provision plan, and the ansible-playbook runner that executes it.
 */
export {
  buildInventory,
  renderInventory,
  publicPortsByComponent,
  nodeAddress,
} from './inventory';
export type { InventoryOptions } from './inventory';
export { buildUserData, firstPackages } from './cloudInit';
export type { UserDataOptions } from './cloudInit';
export {
  planMesh,
  parseWgDump,
  formatMeshPlan,
  formatHandshake,
} from './wireguard';
export type { MeshPlan, MeshPeerPlan, PeerStatus } from './wireguard';
export { planProvision, formatPlan, phases, UsageError } from './plan';
export type {
  Phase,
  ProvisionOptions,
  ProvisionPlan,
  PlannedHost,
} from './plan';
export { executeProvision, formatResult } from './execute';
export type { ExecuteDeps, ExecuteResult } from './execute';
export { parseRecap, progressLine } from './recap';
export type { HostRecap } from './recap';
export {
  loadK3sToken,
  loadWireguardKeys,
  SecretError,
  k3sTokenFiles,
  wireguardKeyFiles,
} from './secrets';
export { parseVersionsEnv, readVersions } from './versions';
export { InputError, checkSiteInputs, readSiteVars } from './inputs';
export { provisionCli, meshCli, provisionUsage, meshUsage } from './cli';
export type { CliDeps } from './cli';
export type { CliIO } from '@internal/platform';
export {
  bootMachine,
  cgroupDirs,
  execIn,
  mountRoot,
  removeCgroups,
  rootfs as nodeRootfs,
  unmountRoot,
  wireMachine,
} from './testing/machine';
export type { MachineSpec, Wiring } from './testing/machine';
