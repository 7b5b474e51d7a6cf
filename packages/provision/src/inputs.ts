import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A site input that would leave a node open or unmanageable (exit code 1, no host touched). */
export class InputError extends Error {}

/** Sources that mean "every address": only with security_ssh_open_to_world. */
const everywhere = ['0.0.0.0/0', '::/0'];

/**
 * The site variables that Ansible reads besides the generated inventory:
 * group_vars/all.yml, then each --extra-vars file (YAML or JSON), the later
 * one winning as in Ansible.
 */
export async function readSiteVars(
  ansibleDir: string,
  extraVarsFiles: string[] = [],
): Promise<Record<string, unknown>> {
  const files = [join(ansibleDir, 'group_vars', 'all.yml'), ...extraVarsFiles];
  const merged: Record<string, unknown> = {};
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new InputError(
        `cannot read the variables file ${file}: ${(e as Error).message}`,
      );
    }
    let vars: unknown;
    try {
      vars = parse(text);
    } catch (e) {
      throw new InputError(`${file} is not YAML: ${(e as Error).message}`);
    }
    if (vars === null || vars === undefined) continue;
    if (typeof vars !== 'object' || Array.isArray(vars))
      throw new InputError(`${file} must hold a mapping of variables`);
    Object.assign(merged, vars);
  }
  return merged;
}

/** A value Ansible computes at run time: its own pre-flight play checks it. */
const templated = (v: unknown) => typeof v === 'string' && v.includes('{{');

function isCidr(source: string): boolean {
  const [address, prefix, ...rest] = source.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

/**
 * Checks the inputs that keep a node closed: SSH admin sources named, each a
 * CIDR, and the whole Internet only as an explicit choice. Returns the
 * warnings to print; throws InputError naming the variable otherwise.
 */
export function checkSiteInputs(vars: Record<string, unknown>): string[] {
  const openToWorld = vars.security_ssh_open_to_world;
  const sources = vars.security_ssh_admin_sources;
  if (openToWorld === true || openToWorld === 'true') {
    return [
      'warning: security_ssh_open_to_world is true: SSH accepts every source (0.0.0.0/0, ::/0) on the public interface of every node',
    ];
  }
  if (templated(sources)) return [];
  if (
    sources === undefined ||
    sources === null ||
    (Array.isArray(sources) && sources.length === 0)
  ) {
    throw new InputError(
      "security_ssh_admin_sources is empty: name the admins' addresses (CIDRs) in infra/ansible/group_vars/all.yml or an --extra-vars file. " +
        "SSH stays open on the mesh (wg0), and OVH's KVM console reaches a node whose admin addresses are all lost; " +
        'to open SSH to the whole Internet, set security_ssh_open_to_world: true',
    );
  }
  if (!Array.isArray(sources)) {
    throw new InputError(
      `security_ssh_admin_sources must be a list of CIDRs, not ${JSON.stringify(
        sources,
      )}`,
    );
  }
  const bad = sources.filter(s => typeof s !== 'string' || !isCidr(s));
  if (bad.length) {
    throw new InputError(
      `security_ssh_admin_sources: ${bad
        .map(s => JSON.stringify(s))
        .join(', ')} ${bad.length > 1 ? 'are not CIDRs' : 'is not a CIDR'}`,
    );
  }
  const world = sources.filter(s => everywhere.includes(s));
  if (world.length) {
    throw new InputError(
      `security_ssh_admin_sources contains ${world.join(
        ', ',
      )}, the whole Internet: name the admins' addresses, or set security_ssh_open_to_world: true to mean it`,
    );
  }
  return [];
}
