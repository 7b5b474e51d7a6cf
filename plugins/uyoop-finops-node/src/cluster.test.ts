import { parseQuantity, podRequests } from './cluster';
import { credentialsFromEnv, describeCredentials } from './credentials';

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['1Gi', 2 ** 30],
    ['512Mi', 2 ** 29],
    ['1G', 1e9],
    ['1e3', 1000],
  ])('%s is %p', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v));

  it('counts a pod as the scheduler does: containers summed, init containers at their max, plus overhead', () => {
    const r = podRequests({
      spec: {
        containers: [
          {
            name: 'a',
            resources: { requests: { cpu: '250m', memory: '256Mi' } },
          },
          { name: 'b', resources: { requests: { cpu: '250m' } } },
        ],
        initContainers: [
          { name: 'i', resources: { requests: { cpu: '1', memory: '128Mi' } } },
        ],
        overhead: { cpu: '100m' },
      },
    } as any);
    expect(r.cpu).toBeCloseTo(1.1);
    expect(r.memoryGiB).toBeCloseTo(0.25);
  });
});

describe('OVH credentials', () => {
  it('are optional, complete or refused with the missing variable names, and never described by value', () => {
    expect(credentialsFromEnv({})).toBeUndefined();
    expect(() => credentialsFromEnv({ OVH_APPLICATION_KEY: 'k' })).toThrow(
      /set OVH_APPLICATION_SECRET, OVH_CONSUMER_KEY/,
    );
    const c = credentialsFromEnv({
      OVH_APPLICATION_KEY: 'ak-1',
      OVH_APPLICATION_SECRET: 'as-2',
      OVH_CONSUMER_KEY: 'ck-3',
    });
    const text = describeCredentials(c);
    for (const secret of ['ak-1', 'as-2', 'ck-3'])
      expect(text).not.toContain(secret);
    expect(describeCredentials(undefined)).toMatch(/estimate/);
  });
});
