import { allocateNode, IDLE, rollUp } from './allocation';

const node = { name: 'core-prod', cpu: 8, memoryGiB: 24 };
const cost = 11_900_000; // 11.90 EUR HT, a month of core-prod

describe('allocateNode', () => {
  it('splits by requests with equal CPU and memory weights, and shows idle as capacity minus requests', () => {
    const a = allocateNode({
      node,
      costMicro: cost,
      hours: 720,
      requests: [
        { namespace: 'prod-mail', cpu: 2, memoryGiB: 6 },
        { namespace: 'prod-cloud', cpu: 1, memoryGiB: 3 },
      ],
    });
    const mail = a.namespaces.find(n => n.namespace === 'prod-mail')!;
    expect(mail.share).toBeCloseTo(0.25);
    expect(mail.costMicro).toBe(2_975_000);
    expect(a.idle).toMatchObject({ cpu: 5, memoryGiB: 15 });
    expect(a.idle.share).toBeCloseTo(0.625);
    expect(a.idle.costMicro).toBe(cost * 0.625);
    expect(
      a.namespaces.reduce((s, n) => s + n.costMicro, 0) + a.idle.costMicro,
    ).toBe(cost);
  });

  it('derives hourly prices per vCPU and per GiB from the node cost', () => {
    const a = allocateNode({ node, costMicro: cost, hours: 720, requests: [] });
    expect(a.pricePerVcpuHour).toBeCloseTo((11.9 * 0.5) / 8 / 720, 9);
    expect(a.pricePerGiBHour).toBeCloseTo((11.9 * 0.5) / 24 / 720, 9);
    expect(a.idle.costMicro).toBe(cost);
  });

  it.each([
    [{ cpu: 1, memory: 0 }, 0.25],
    [{ cpu: 0, memory: 1 }, 0.5],
    [{ cpu: 3, memory: 1 }, 0.3125],
  ])('weights %p give the namespace a share of %p', (weights, share) => {
    const a = allocateNode({
      node,
      costMicro: cost,
      hours: 720,
      weights,
      requests: [{ namespace: 'x', cpu: 2, memoryGiB: 12 }],
    });
    expect(a.namespaces[0].share).toBeCloseTo(share);
  });

  it('scales over-committed requests to the capacity and leaves no idle', () => {
    const a = allocateNode({
      node,
      costMicro: cost,
      hours: 720,
      requests: [{ namespace: 'a', cpu: 16, memoryGiB: 48 }],
    });
    expect(a.overcommitted).toBe(true);
    expect(a.namespaces[0].costMicro).toBe(cost);
    expect(a.idle.costMicro).toBe(0);
  });

  it('refuses a node without capacity and negative weights, naming them', () => {
    expect(() =>
      allocateNode({
        node: { ...node, cpu: 0 },
        costMicro: cost,
        hours: 720,
        requests: [],
      }),
    ).toThrow(/core-prod has no allocatable capacity/);
    expect(() =>
      allocateNode({
        node,
        costMicro: cost,
        hours: 720,
        requests: [],
        weights: { cpu: -1, memory: 1 },
      }),
    ).toThrow(/weights/);
  });
});

describe('rollUp', () => {
  it('gives a namespace cost to its components on that node and keeps idle and unclaimed namespaces apart', () => {
    const a = allocateNode({
      node,
      costMicro: cost,
      hours: 720,
      requests: [
        { namespace: 'devops-factory', cpu: 2, memoryGiB: 6 },
        { namespace: 'kube-system', cpu: 1, memoryGiB: 0 },
      ],
    });
    const rows = rollUp(
      [a],
      [
        {
          name: 'gitlab',
          namespace: 'devops-factory',
          nodes: ['core-prod'],
          system: 'devops-factory',
          owner: 'admins',
        },
        {
          name: 'gitlab-runner',
          namespace: 'devops-factory',
          nodes: ['ai-lab'],
          system: 'devops-factory',
          owner: 'admins',
        },
      ],
    );
    expect(rows.find(r => r.service === 'gitlab')!.costMicro).toBe(2_975_000);
    expect(rows.find(r => r.service === 'gitlab-runner')).toBeUndefined();
    expect(rows.find(r => r.namespace === 'kube-system')!.service).toBeNull();
    expect(rows.find(r => r.namespace === IDLE)!.costMicro).toBe(
      a.idle.costMicro,
    );
    expect(rows.reduce((s, r) => s + r.costMicro, 0)).toBe(cost);
  });
});
