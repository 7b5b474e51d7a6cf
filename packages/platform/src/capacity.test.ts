import {
  checkCapacity,
  cpuMillis,
  formatCapacity,
  memoryMiB,
  Placement,
} from './capacity';

const nodes = [
  { name: 'core-prod', vcpu: 8, memoryGiB: 24 },
  { name: 'ai-lab', vcpu: 4, memoryGiB: 12 },
];
const place = (
  name: string,
  node: string,
  cpu: string,
  memory: string,
): Placement => ({
  name,
  namespace: node === 'ai-lab' ? 'ai-lab' : 'prod-web',
  node,
  requests: { cpu, memory },
});

describe('checkCapacity', () => {
  it('fits when the requests stay within each node, headroom taken off', () => {
    const report = checkCapacity(nodes, [
      place('ghost', 'core-prod', '200m', '384Mi'),
      place('ollama', 'ai-lab', '1500m', '5Gi'),
    ]);
    expect(report.fits).toBe(true);
    // ai-lab: (4000m - 500m) * 0.85 and (12 GiB - 1 GiB) * 0.85
    expect(report.nodes[1].budget).toEqual({
      cpuMillis: 2975,
      memoryMiB: 9574,
    });
    expect(report.nodes[1].requested).toEqual({
      cpuMillis: 1500,
      memoryMiB: 5120,
    });
  });

  it('fails on an overflowing ai-lab and names the workloads that do not fit', () => {
    const report = checkCapacity(nodes, [
      place('ollama', 'ai-lab', '1500m', '5Gi'),
      place('ollama-70b', 'ai-lab', '2', '6Gi'),
      place('qdrant', 'ai-lab', '200m', '1Gi'),
      place('ghost', 'core-prod', '200m', '384Mi'),
    ]);
    expect(report.fits).toBe(false);
    const ai = report.nodes.find(n => n.node === 'ai-lab')!;
    expect(ai.fits).toBe(false);
    expect(ai.overflow).toEqual(['ai-lab/ollama-70b']);
    expect(report.nodes.find(n => n.node === 'core-prod')!.fits).toBe(true);
    expect(formatCapacity(report)).toContain(
      '  overflowing: ai-lab/ollama-70b',
    );
  });

  it('counts replicas, and reports a placement on a node the catalog does not know', () => {
    const report = checkCapacity(nodes, [
      { ...place('web', 'core-prod', '1', '1Gi'), replicas: 7 },
      place('lost', 'core-prd', '100m', '64Mi'),
    ]);
    expect(report.nodes[0].requested.cpuMillis).toBe(7000);
    expect(report.nodes[0].fits).toBe(false);
    expect(report.unknownNodes).toEqual(['core-prd']);
    expect(formatCapacity(report).at(-1)).toBe(
      'core-prd: not a node of the catalog, yet workloads are placed on it',
    );
  });
});

describe('quantities', () => {
  it.each([
    ['250m', 250],
    ['2', 2000],
    ['0.5', 500],
  ])('cpu %s is %d millicores', (q, m) => expect(cpuMillis(q)).toBe(m));

  it.each([
    ['512Mi', 512],
    ['2Gi', 2048],
    ['1048576', 1],
    ['1G', 1e9 / 2 ** 20],
  ])('memory %s is %d MiB', (q, m) => expect(memoryMiB(q)).toBe(m));

  it('rejects a malformed quantity with a message naming it', () => {
    expect(() => cpuMillis('2 cores')).toThrow(
      '"2 cores" is not a CPU quantity',
    );
    expect(() => memoryMiB('1GB')).toThrow('"1GB" is not a memory quantity');
  });
});
