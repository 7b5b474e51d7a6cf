import {
  devToProdPaths,
  INTERNET,
  namespaceReachability,
  ReachabilityReport,
} from './reachability';

/** lab (dev) reaches shop (prod): the case the portal must flag. */
const report: ReachabilityReport = {
  sources: ['lab', 'shop', 'tools'],
  destinations: ['lab', 'shop', 'tools', INTERNET],
  allowed: {
    lab: { lab: true, shop: true, tools: false, [INTERNET]: false },
    shop: { lab: false, shop: true, tools: false, [INTERNET]: true },
    tools: { lab: true, shop: false, tools: true, [INTERNET]: false },
  },
  query: {},
  ports: {
    lab: { lab: ['any port'], shop: ['5432/TCP'] },
    shop: { shop: ['any port'], [INTERNET]: ['443/TCP'] },
    tools: { lab: ['any port'], tools: ['any port'] },
  },
  tiers: { lab: 'dev', shop: 'prod', tools: 'dev' },
  generatedAt: '2026-12-01T00:00:00.000Z',
};

describe('namespaceReachability', () => {
  it.each([
    ['lab', ['shop'], ['tools']],
    ['shop', [INTERNET], ['lab']],
    ['tools', ['lab'], []],
  ])(
    '%s reaches %j and is reached from %j (itself left out)',
    (ns, to, from) => {
      const view = namespaceReachability(report, ns)!;
      expect(view.reaches.map(p => p.to)).toEqual(to);
      expect(view.reachedFrom.map(p => p.from)).toEqual(from);
    },
  );

  it('carries the ports and marks the dev-to-prod path on both ends', () => {
    expect(namespaceReachability(report, 'lab')!.reaches).toEqual([
      { from: 'lab', to: 'shop', ports: ['5432/TCP'], devToProd: true },
    ]);
    expect(
      namespaceReachability(report, 'shop')!.reachedFrom[0].devToProd,
    ).toBe(true);
    expect(namespaceReachability(report, 'tools')!.reaches[0].devToProd).toBe(
      false,
    );
  });

  it('is undefined for a namespace the matrix does not hold', () => {
    expect(namespaceReachability(report, 'nowhere')).toBeUndefined();
  });
});

describe('devToProdPaths', () => {
  it('lists each dev-tier namespace that reaches a prod one', () => {
    expect(devToProdPaths(report).map(p => `${p.from} -> ${p.to}`)).toEqual([
      'lab -> shop',
    ]);
  });

  it('is empty when the tiers are isolated', () => {
    const isolated = {
      ...report,
      allowed: {
        ...report.allowed,
        lab: { ...report.allowed.lab, shop: false },
      },
    };
    expect(devToProdPaths(isolated)).toEqual([]);
  });
});
