import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef, EntityProvider } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  INTERNET,
  ReachabilityReport,
} from '@internal/plugin-uyoop-platform-common';
import { screen, within } from '@testing-library/react';
import { PlatformClient, platformApiRef } from '../api';
import { EntityReachabilityCard } from './EntityReachabilityCard';
import { NetworkPage } from './NetworkPage';

/** A report as the backend answers it: `paths` are "from to ports...". */
function reportOf(paths: string[]): ReachabilityReport {
  const namespaces = ['dev-lab', 'kube-system', 'prod-web', 'security'];
  const report: ReachabilityReport = {
    sources: namespaces,
    destinations: [...namespaces, INTERNET],
    allowed: {},
    query: {},
    ports: {},
    tiers: { 'dev-lab': 'dev', 'prod-web': 'prod', security: 'prod' },
    generatedAt: '2026-12-01T00:00:00.000Z',
  };
  for (const s of namespaces) {
    report.allowed[s] = Object.fromEntries(
      report.destinations.map(d => [d, d === s]),
    );
    report.ports[s] = { [s]: ['any port'] };
  }
  for (const line of paths) {
    const [from, to, ...ports] = line.split(' ');
    report.allowed[from][to] = true;
    report.ports[from][to] = ports;
  }
  return report;
}

const isolated = [
  'prod-web kube-system 53/TCP 53/UDP',
  'prod-web security 9091/TCP',
  `security ${INTERNET} 443/TCP`,
  'kube-system prod-web 2368/TCP 8089/TCP',
  'dev-lab kube-system 53/TCP 53/UDP',
];

const component = (name: string, namespace?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: namespace
      ? { 'backstage.io/kubernetes-namespace': namespace }
      : {},
  },
  spec: { type: 'service', owner: 'developers', system: 'web' },
});

const system = (name: string, parts: string[]): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'developers' },
  relations: parts.map(p => ({
    type: 'hasPart',
    targetRef: `component:default/${p}`,
  })),
});

const catalog = [
  component('ghost', 'prod-web'),
  component('ghost-db', 'prod-web'),
  component('authelia', 'security'),
  component('docs'),
];

// Rendering the test app takes seconds on a loaded machine.
jest.setTimeout(60_000);
const slow = { timeout: 20_000 };

/** The real client, over a fetch that answers as the backend does, and records the URLs. */
function platformClient(report: ReachabilityReport) {
  const urls: string[] = [];
  const client = new PlatformClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://portal.test' }),
    fetchApi: mockApis.fetch({
      baseImplementation: async input => {
        urls.push(String(input));
        return new Response(JSON.stringify(report), {
          headers: { 'Content-Type': 'application/json' },
        });
      },
    }),
  });
  return { client, urls };
}

const renderCard = (entity: Entity, report: ReachabilityReport) => {
  const { client, urls } = platformClient(report);
  renderInTestApp(
    <EntityProvider entity={entity}>
      <EntityReachabilityCard />
    </EntityProvider>,
    {
      apis: [
        [platformApiRef, client],
        [catalogApiRef, catalogApiMock({ entities: catalog })],
      ],
    },
  );
  return urls;
};

/** The rows of a namespace's table, as text: direction, namespace, ports. */
const rows = async (namespace: string) =>
  within(
    await screen.findByRole(
      'table',
      { name: `${namespace} reachability` },
      slow,
    ),
  )
    .getAllByRole('row')
    .slice(1)
    .map(r =>
      within(r)
        .getAllByRole('cell')
        .map(c => c.textContent)
        .join(' | '),
    );

describe('EntityReachabilityCard', () => {
  it("shows what the system's namespaces reach, with the ports and the internet, and what reaches them", async () => {
    const urls = await renderCard(
      system('web', ['ghost', 'ghost-db', 'authelia']),
      reportOf(isolated),
    );
    expect(await rows('prod-web')).toEqual([
      'reaches | kube-system | 53/TCP, 53/UDP',
      'reaches | security | 9091/TCP',
      'reaches | internet | denied',
      'reached from | kube-system | 2368/TCP, 8089/TCP',
    ]);
    expect(await rows('security')).toEqual([
      'reaches | internet | 443/TCP',
      'reached from | prod-web | 9091/TCP',
    ]);
    expect(screen.getAllByText('prod tier')).toHaveLength(2);
    expect(screen.queryByText('dev reaches prod')).not.toBeInTheDocument();
    expect(urls).toEqual(['http://portal.test/api/platform/reachability']);
  });

  it('marks a dev-tier namespace that reaches a prod one as an error', async () => {
    await renderCard(
      system('web', ['ghost']),
      reportOf([...isolated, 'dev-lab prod-web 2368/TCP']),
    );
    expect(
      await screen.findByText(
        /A dev-tier namespace reaches a prod one/,
        {},
        slow,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/dev-lab -> prod-web \(2368\/TCP\)/),
    ).toBeInTheDocument();
    expect(await rows('prod-web')).toContain(
      'reached from | dev-lab dev reaches prod | 2368/TCP',
    );
  });

  it('says so when no component of the system names a namespace', async () => {
    await renderCard(system('docs', ['docs']), reportOf(isolated));
    expect(
      await screen.findByText(
        'No component of this system names a Kubernetes namespace.',
        {},
        slow,
      ),
    ).toBeInTheDocument();
  });
});

describe('NetworkPage', () => {
  it('shows the whole matrix and flags the dev-to-prod cell', async () => {
    const { client } = platformClient(
      reportOf([...isolated, 'dev-lab prod-web 2368/TCP']),
    );
    await renderInTestApp(<NetworkPage />, {
      apis: [[platformApiRef, client]],
    });
    expect(
      await screen.findByLabelText('prod-web to security: 9091/TCP', {}, slow),
    ).toHaveTextContent('✓');
    expect(
      screen.getByLabelText('dev-lab to prod-web: 2368/TCP'),
    ).toHaveTextContent('✗');
    expect(
      screen.getByLabelText('prod-web to dev-lab: denied'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/A dev-tier namespace reaches a prod one/),
    ).toBeInTheDocument();
  });
});
