/** One host's line of Ansible's PLAY RECAP. */
export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** Reads the PLAY RECAP block of ansible-playbook's default output. */
export function parseRecap(output: string): Record<string, HostRecap> {
  const out: Record<string, HostRecap> = {};
  const start = output.lastIndexOf('PLAY RECAP');
  if (start < 0) return out;
  for (const line of output.slice(start).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const kv of m[2].trim().split(/\s+/)) {
      const [k, v] = kv.split('=');
      counts[k] = Number(v);
    }
    out[m[1]] = {
      ok: counts.ok ?? 0,
      changed: counts.changed ?? 0,
      unreachable: counts.unreachable ?? 0,
      failed: counts.failed ?? 0,
      skipped: counts.skipped ?? 0,
      rescued: counts.rescued ?? 0,
      ignored: counts.ignored ?? 0,
    };
  }
  return out;
}

/** A readable progress line for one line of ansible-playbook output, or undefined. */
export function progressLine(line: string): string | undefined {
  let m = /^TASK \[(.+?)\] \*+/.exec(line);
  if (m) return `  ${m[1]}`;
  m = /^PLAY \[(.+?)\] \*+/.exec(line);
  if (m) return `▶ ${m[1]}`;
  m = /^(changed|fatal|failed): \[([^\]]+)\]/.exec(line);
  if (m)
    return `      ${m[2]}: ${/UNREACHABLE!/.test(line) ? 'unreachable' : m[1]}`;
  return undefined;
}
