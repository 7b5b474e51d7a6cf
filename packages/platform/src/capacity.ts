/**
 * Does every node hold what is placed on it? Pure: the sum of the requests
 * of the workloads placed on a node must fit in what the node can give pods
 * (its catalog capacity less what K3s and the system keep), with headroom.
 */
import type { PlatformNode } from './model';

/** A workload placed on a node, with the resources it requests (Kubernetes quantities). */
export interface Placement {
  name: string;
  namespace: string;
  node: string;
  requests: { cpu: string; memory: string };
  replicas?: number;
}

export interface CapacityOptions {
  /** CPU kept for the system and K3s, in millicores per node (default 500m). */
  reservedCpuMillis?: number;
  /** Memory kept for the system and K3s, in MiB per node (default 1024 Mi). */
  reservedMemoryMiB?: number;
  /** Share of the allocatable left free for bursts and rollouts (default 0.15). */
  headroom?: number;
}

export interface NodeCapacity {
  node: string;
  /** What pods may request on this node, headroom taken off. */
  budget: { cpuMillis: number; memoryMiB: number };
  requested: { cpuMillis: number; memoryMiB: number };
  workloads: { name: string; cpuMillis: number; memoryMiB: number }[];
  fits: boolean;
  /** The workloads that do not fit, largest first, once the others are placed. */
  overflow: string[];
}

export interface CapacityReport {
  nodes: NodeCapacity[];
  fits: boolean;
  /** Placements on a node the catalog does not know. */
  unknownNodes: string[];
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
const DECIMAL: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** A CPU quantity ("250m", "2", "0.5") in millicores. */
export function cpuMillis(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!m)
    throw new Error(`"${quantity}" is not a CPU quantity (e.g. 250m or 2)`);
  return m[2] === 'm' ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** A memory quantity ("512Mi", "2Gi", "1G", "1048576") in MiB. */
export function memoryMiB(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(quantity.trim());
  if (!m) {
    throw new Error(
      `"${quantity}" is not a memory quantity (e.g. 512Mi or 2Gi)`,
    );
  }
  const bytes = Number(m[1]) * (BINARY[m[2]] ?? DECIMAL[m[2]]);
  return bytes / 2 ** 20;
}

/** Sums the requests per node and checks them against each node's budget. */
export function checkCapacity(
  nodes: Pick<PlatformNode, 'name' | 'vcpu' | 'memoryGiB'>[],
  placements: Placement[],
  options: CapacityOptions = {},
): CapacityReport {
  const reservedCpu = options.reservedCpuMillis ?? 500;
  const reservedMemory = options.reservedMemoryMiB ?? 1024;
  const headroom = options.headroom ?? 0.15;
  const known = new Set(nodes.map(n => n.name));
  const report = nodes.map(node => {
    const budget = {
      cpuMillis: Math.floor((node.vcpu * 1000 - reservedCpu) * (1 - headroom)),
      memoryMiB: Math.floor(
        (node.memoryGiB * 1024 - reservedMemory) * (1 - headroom),
      ),
    };
    const workloads = placements
      .filter(p => p.node === node.name)
      .map(p => ({
        name: `${p.namespace}/${p.name}`,
        cpuMillis: cpuMillis(p.requests.cpu) * (p.replicas ?? 1),
        memoryMiB: memoryMiB(p.requests.memory) * (p.replicas ?? 1),
      }));
    const requested = {
      cpuMillis: workloads.reduce((s, w) => s + w.cpuMillis, 0),
      memoryMiB: workloads.reduce((s, w) => s + w.memoryMiB, 0),
    };
    const fits =
      requested.cpuMillis <= budget.cpuMillis &&
      requested.memoryMiB <= budget.memoryMiB;
    // Name the workloads that overflow: place the smallest first, the rest is what does not fit.
    const overflow: string[] = [];
    if (!fits) {
      let cpu = 0;
      let mem = 0;
      const bySize = [...workloads].sort(
        (a, b) =>
          a.memoryMiB / budget.memoryMiB +
          a.cpuMillis / budget.cpuMillis -
          (b.memoryMiB / budget.memoryMiB + b.cpuMillis / budget.cpuMillis),
      );
      for (const w of bySize) {
        if (
          cpu + w.cpuMillis <= budget.cpuMillis &&
          mem + w.memoryMiB <= budget.memoryMiB
        ) {
          cpu += w.cpuMillis;
          mem += w.memoryMiB;
        } else {
          overflow.push(w.name);
        }
      }
      overflow.reverse();
    }
    return { node: node.name, budget, requested, workloads, fits, overflow };
  });
  const unknownNodes = [
    ...new Set(placements.map(p => p.node).filter(n => !known.has(n))),
  ];
  return {
    nodes: report,
    fits: report.every(n => n.fits) && unknownNodes.length === 0,
    unknownNodes,
  };
}

/** The report as text lines; the failing lines name the workloads that overflow. */
export function formatCapacity(report: CapacityReport): string[] {
  const lines: string[] = [];
  for (const n of report.nodes) {
    const cpuPct = Math.round(
      (100 * n.requested.cpuMillis) / n.budget.cpuMillis,
    );
    const memPct = Math.round(
      (100 * n.requested.memoryMiB) / n.budget.memoryMiB,
    );
    lines.push(
      `${n.node}: cpu ${n.requested.cpuMillis}m of ${n.budget.cpuMillis}m (${cpuPct}%), ` +
        `memory ${Math.round(n.requested.memoryMiB)}Mi of ${
          n.budget.memoryMiB
        }Mi (${memPct}%), ` +
        `${n.workloads.length} workloads: ${n.fits ? 'fits' : 'DOES NOT FIT'}`,
    );
    if (!n.fits) {
      lines.push(`  overflowing: ${n.overflow.join(', ')}`);
    }
  }
  for (const u of report.unknownNodes) {
    lines.push(
      `${u}: not a node of the catalog, yet workloads are placed on it`,
    );
  }
  return lines;
}
