/**
 * Lynis, from the controller (bound read-only into each node by NodeLab),
 * judging one node of the lab: its hardening index and what it still suggests.
 */
import type { NodeLab } from './nodes';

export interface LynisResult {
  index: number;
  /** `TEST-ID|text|details` of every warning and suggestion left. */
  warnings: string[];
  suggestions: string[];
}

export function lynisAudit(lab: NodeLab, node: string): LynisResult {
  lab.exec(
    node,
    'lynis audit system --quick --no-colors --quiet --report-file /root/lynis-report.dat >/dev/null 2>&1 || true',
    { timeout: 300_000 },
  );
  const report = lab.exec(node, 'cat /root/lynis-report.dat').stdout;
  const list = (kind: string) =>
    [...report.matchAll(new RegExp(`^${kind}\\[\\]=(.*)$`, 'gm'))].map(m =>
      m[1].replace(/\|-\|-\|$|\|$/, ''),
    );
  return {
    index: Number(/^hardening_index=(\d+)/m.exec(report)?.[1]),
    warnings: list('warning'),
    suggestions: list('suggestion'),
  };
}
