import {
  CatalogError,
  checkCapacity,
  isUsageError,
  parseCommandLine,
  usageFailure,
  UsageError,
  CliIO,
  formatCapacity,
  formatMatrix,
  loadPlatform,
  LoadOptions,
  policyInputs,
  reachabilityMatrix,
  repoRoot,
} from '@internal/platform';
import { resolve } from 'node:path';
import {
  ConfigInputError,
  discordWebhookUrl,
  writeAlertmanagerConfig,
} from './alertmanager';
import { clusterPlan, placements, PlanError } from './plan';
import { platformObjects, renderTo } from './render';
import { SYSTEM_NAMESPACE } from './profiles';

export const k8sUsage = `usage: yarn uyoop k8s <command>

commands:
  render [--check]                 write infra/k8s, the platform's alert rules and the nodes and
                                   backups Grafana dashboards from catalog/
                                   (--check: change nothing, exit 1 when the committed files are stale)
  reachability [--port N] [--json] which namespace can open a connection to which, as the
                                   NetworkPolicies allow (any port, or port N over TCP)
  capacity [--json]                the requests placed on each node against what it can hold
  alertmanager-config --out FILE   write Alertmanager's configuration (mode 600); the Discord
                                   webhook URL comes from DISCORD_WEBHOOK_URL_FILE or DISCORD_WEBHOOK_URL`;

/** Each command's options, for the platform's one parser (strict: anything else is bad usage). */
const commands = {
  render: { check: { type: 'boolean' } },
  reachability: { json: { type: 'boolean' }, port: { type: 'string' } },
  capacity: { json: { type: 'boolean' } },
  'alertmanager-config': { out: { type: 'string' } },
} as const;

export interface K8sCliOptions extends LoadOptions {
  env?: NodeJS.ProcessEnv;
}

/** The `k8s` commands. Returns the exit code: 0 done, 1 failed, 2 bad usage. */
export async function k8sCli(
  args: string[],
  io: CliIO,
  options: K8sCliOptions = {},
): Promise<number> {
  const [command, ...rest] = args;
  if (!Object.hasOwn(commands, command ?? '')) {
    io.err(command ? `unknown command "${command}"\n\n${k8sUsage}` : k8sUsage);
    return 2;
  }
  let values: { check?: boolean; json?: boolean; port?: string; out?: string };
  try {
    values = parseCommandLine(
      rest,
      commands[command as keyof typeof commands],
      { positionals: false },
    ).values as typeof values;
    if (command === 'alertmanager-config' && !values.out) {
      throw new UsageError('alertmanager-config needs --out FILE');
    }
    if (values.port !== undefined) {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new UsageError(
          `--port takes a port number (1-65535), not "${values.port}"`,
        );
      }
    }
  } catch (e) {
    if (!isUsageError(e)) throw e;
    return usageFailure(io, e, k8sUsage);
  }
  const root = options.root ?? repoRoot;

  if (command === 'alertmanager-config') {
    const out = resolve(process.cwd(), values.out!);
    try {
      const url = await discordWebhookUrl(options.env ?? process.env);
      await writeAlertmanagerConfig(out, { discordWebhookUrl: url });
    } catch (e) {
      if (e instanceof ConfigInputError) {
        io.err(e.message);
        return 1;
      }
      const code = (e as NodeJS.ErrnoException).code;
      if (code) {
        io.err(`cannot write ${out}: ${code}`);
        return 1;
      }
      throw e;
    }
    io.out(
      `wrote ${out} (mode 600); check it with: amtool check-config ${out}`,
    );
    return 0;
  }

  let platform;
  let plan;
  try {
    platform = await loadPlatform({ root });
    plan = clusterPlan(platform);
  } catch (e) {
    if (e instanceof CatalogError || e instanceof PlanError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }

  if (command === 'render') {
    const check = Boolean(values.check);
    const result = await renderTo(root, platform, !check);
    const objects = platformObjects(plan).length;
    const changed = [...result.stale, ...result.orphaned];
    if (check) {
      if (changed.length > 0) {
        io.err(
          `${changed.length} rendered files differ from the catalog; run yarn uyoop k8s render:\n` +
            [
              ...result.stale.map(p => `  stale: ${p}`),
              ...result.orphaned.map(p => `  no longer generated: ${p}`),
            ].join('\n'),
        );
        return 1;
      }
      io.out(`${result.files.size} files, ${objects} objects: up to date`);
    } else {
      io.out(
        `${result.files.size} files, ${objects} objects: ${result.stale.length} written, ${result.orphaned.length} removed`,
      );
      changed.forEach(p => io.out(`  ${p}`));
    }
    return 0;
  }

  if (command === 'reachability') {
    const port = values.port;
    const { namespaces, policies } = policyInputs(platformObjects(plan), [
      SYSTEM_NAMESPACE,
    ]);
    const matrix = reachabilityMatrix(
      namespaces,
      policies,
      port === undefined ? {} : { port: Number(port), protocol: 'TCP' },
    );
    if (values.json) {
      io.out(JSON.stringify(matrix, null, 2));
    } else {
      formatMatrix(matrix).forEach(line => io.out(line));
    }
    return 0;
  }

  // capacity
  const report = checkCapacity(platform.nodes, placements(plan));
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    formatCapacity(report).forEach(line => io.out(line));
  }
  return report.fits ? 0 : 1;
}
