import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { CatalogProblem } from './errors';
import { toEntityRef } from './refs';
import type {
  Bucket,
  Database,
  LoadedEntity,
  Mesh,
  Pipeline,
  Platform,
  PlatformNamespace,
  PlatformNode,
  PlatformService,
  Relation,
  Taint,
} from './model';

const a = (e: Entity, key: string) =>
  e.metadata.annotations?.[`uyoop.io/${key}`];
const list = (v: string | undefined) => (v ? v.split(',') : []);
const ref = toEntityRef;
/** The name in a ref, e.g. `admins` for `group:default/admins` or `admins`. */
const nameOf = (value: unknown, defaultKind: string) =>
  parseEntityRef(String(value), { defaultKind }).name;
const title = (e: Entity) => e.metadata.title ?? e.metadata.name;
const unique = (xs: string[]) => [...new Set(xs)].sort();

function ipToInt(ip: string) {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string) {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  return ipToInt(ip) >= start && ipToInt(ip) < start + size;
}

function parseTaints(value: string | undefined): Taint[] {
  return list(value).map(t => {
    const [kv, effect] = t.split(':');
    const [key, val] = kv.split('=');
    return { key, value: val, effect: effect as Taint['effect'] };
  });
}

/** The relations Backstage itself derives from the spec, plus hostedOn/hosts from uyoop.io/node. */
function relationsOf(e: Entity): Relation[] {
  const source = stringifyEntityRef(e);
  const spec = (e.spec ?? {}) as Record<string, any>;
  const out: Relation[] = [];
  const add = (type: string, reverse: string, target: string) => {
    out.push(
      { source, type, target },
      { source: target, type: reverse, target: source },
    );
  };
  if (spec.owner) add('ownedBy', 'ownerOf', ref(spec.owner, 'group'));
  if (spec.system) add('partOf', 'hasPart', ref(spec.system, 'system'));
  if (spec.domain) add('partOf', 'hasPart', ref(spec.domain, 'domain'));
  if (spec.parent) add('childOf', 'parentOf', ref(spec.parent, 'group'));
  for (const g of spec.memberOf ?? [])
    add('memberOf', 'hasMember', ref(g, 'group'));
  for (const d of spec.dependsOn ?? [])
    add('dependsOn', 'dependencyOf', ref(d));
  for (const n of list(a(e, 'node')))
    add('hostedOn', 'hosts', ref(`resource:${n}`));
  return out;
}

/** Builds the typed model from entities that already validate; reports cross-entity problems. */
export function buildPlatform(loaded: LoadedEntity[]): {
  platform: Platform;
  problems: CatalogProblem[];
} {
  const problems: CatalogProblem[] = [];
  const ofKind = (kind: string, type?: string) =>
    loaded.filter(
      l =>
        l.entity.kind === kind &&
        (type === undefined || l.entity.spec?.type === type),
    );

  const services: PlatformService[] = ofKind('Component').map(
    ({ entity: e }) => ({
      name: e.metadata.name,
      title: title(e),
      type: String(e.spec?.type),
      lifecycle: String(e.spec?.lifecycle),
      system: nameOf(e.spec?.system, 'system'),
      owner: nameOf(e.spec?.owner, 'group'),
      namespace: e.metadata.annotations!['backstage.io/kubernetes-namespace'],
      nodes: list(a(e, 'node')),
      storageTier: a(e, 'storage-tier')!,
      runtime: a(e, 'runtime') as PlatformService['runtime'],
      backup: list(a(e, 'backup')) as PlatformService['backup'],
      dependsOn: ((e.spec?.dependsOn ?? []) as string[]).map(d => ref(d)),
    }),
  );

  const nodes: PlatformNode[] = ofKind('Resource', 'node').map(
    ({ entity: e }) => {
      const role = a(e, 'k3s-role') as PlatformNode['k3sRole'];
      const labels: Record<string, string> = {
        'kubernetes.io/hostname': e.metadata.name,
        'node.kubernetes.io/instance-type': a(e, 'offer')!.toLowerCase(),
        'topology.kubernetes.io/region': a(e, 'region')!,
        'uyoop.io/k3s-role': role,
      };
      if (role === 'server')
        labels['node-role.kubernetes.io/control-plane'] = 'true';
      return {
        name: e.metadata.name,
        title: title(e),
        provider: a(e, 'provider')!,
        offer: a(e, 'offer')!,
        region: a(e, 'region')!,
        vcpu: Number(a(e, 'vcpu')),
        memoryGiB: Number(a(e, 'memory-gib')),
        diskGiB: Number(a(e, 'disk-gib')),
        monthlyPrice: {
          amount: Number(a(e, 'monthly-price-eur')),
          currency: 'EUR',
          basis: a(e, 'price-basis') as 'HT' | 'TTC',
        },
        k3sRole: role,
        publicHost: a(e, 'public-host')!,
        meshAddress: a(e, 'mesh-address')!,
        labels,
        taints: parseTaints(a(e, 'taints')),
        system: nameOf(e.spec?.system, 'system'),
        inServiceSince: a(e, 'in-service-since'),
        services: services
          .filter(s => s.nodes.includes(e.metadata.name))
          .map(s => s.name)
          .sort(),
      };
    },
  );

  const servers = nodes.filter(n => n.k3sRole === 'server');
  if (nodes.length && servers.length !== 1) {
    problems.push({
      file: 'catalog/',
      message: `exactly one node must have uyoop.io/k3s-role: server, found ${servers.length}`,
    });
  }

  const meshEntities = ofKind('Resource', 'network');
  if (meshEntities.length !== 1) {
    problems.push({
      file: 'catalog/',
      message: `expected one WireGuard mesh (Resource of type network), found ${meshEntities.length}`,
    });
  }
  const meshEntity = meshEntities[0]?.entity;
  const cidr = meshEntity ? a(meshEntity, 'mesh-cidr')! : '0.0.0.0/0';
  const seen = new Map<string, string>();
  for (const l of ofKind('Resource', 'node')) {
    const n = nodes.find(x => x.name === l.entity.metadata.name)!;
    const field = 'metadata.annotations["uyoop.io/mesh-address"]';
    const entity = `Resource ${n.name}`;
    if (!inCidr(n.meshAddress, cidr)) {
      problems.push({
        file: l.file,
        entity,
        field,
        message: `${n.meshAddress} is outside the mesh ${cidr}`,
      });
    }
    const twin = seen.get(n.meshAddress);
    if (twin) {
      problems.push({
        file: l.file,
        entity,
        field,
        message: `${n.meshAddress} is already the mesh address of ${twin}`,
      });
    }
    seen.set(n.meshAddress, n.name);
  }
  const mesh: Mesh = {
    name: meshEntity?.metadata.name ?? '',
    cidr,
    port: Number(meshEntity ? a(meshEntity, 'mesh-port') : 0),
    interface: meshEntity ? a(meshEntity, 'mesh-interface')! : '',
    peers: nodes.map(n => ({
      node: n.name,
      address: n.meshAddress,
      publicHost: n.publicHost,
    })),
  };

  const namespaces: PlatformNamespace[] = unique(
    services.map(s => s.namespace),
  ).map(name => {
    const members = services.filter(s => s.namespace === name);
    return {
      name,
      services: members.map(s => s.name).sort(),
      nodes: unique(members.flatMap(s => s.nodes)),
      systems: unique(members.map(s => s.system)),
    };
  });

  const buckets: Bucket[] = ofKind('Resource', 's3-bucket').map(
    ({ entity: e }) => ({
      name: e.metadata.name,
      title: title(e),
      system: nameOf(e.spec?.system, 'system'),
      owner: nameOf(e.spec?.owner, 'group'),
      objectLock: a(e, 'object-lock') as Bucket['objectLock'],
      ...(a(e, 'retention-days')
        ? { retentionDays: Number(a(e, 'retention-days')) }
        : {}),
      ...(a(e, 'expire-days')
        ? { expireDays: Number(a(e, 'expire-days')) }
        : {}),
      ...(a(e, 'transition-days')
        ? {
            transition: {
              days: Number(a(e, 'transition-days')),
              storageClass: a(e, 'transition-class')!,
            },
          }
        : {}),
      ...(a(e, 'noncurrent-expire-days')
        ? { noncurrentExpireDays: Number(a(e, 'noncurrent-expire-days')) }
        : {}),
    }),
  );

  const databases: Database[] = ofKind('Resource', 'database').map(
    ({ entity: e }) => ({
      name: e.metadata.name,
      engine: a(e, 'engine')!,
      nodes: list(a(e, 'node')),
      namespace: e.metadata.annotations!['backstage.io/kubernetes-namespace'],
      system: nameOf(e.spec?.system, 'system'),
    }),
  );

  const pipelines: Pipeline[] = ofKind('Resource', 'ci-pipeline').map(
    ({ entity: e }) => ({
      name: e.metadata.name,
      project: e.metadata.annotations?.['gitlab.com/project-slug'],
      stages: list(a(e, 'pipeline-stages')),
      deploys: list(a(e, 'deploys')).map(r => ref(r)),
    }),
  );

  const names = (kind: string, type?: string) =>
    ofKind(kind, type)
      .map(l => l.entity.metadata.name)
      .sort();
  return {
    problems,
    platform: {
      entities: loaded,
      nodes,
      services,
      namespaces,
      mesh,
      buckets,
      databases,
      domains: ofKind('Resource', 'dns-domain')
        .map(l => title(l.entity))
        .sort(),
      pipelines,
      systems: names('System'),
      groups: names('Group'),
      users: names('User'),
      relations: loaded.flatMap(l => relationsOf(l.entity)),
    },
  };
}

/**
 * Everything that stops working when `ref` goes down: the transitive
 * dependents through dependsOn and hosts. Answers "what breaks if core-prod goes down?".
 */
export function impactOf(platform: Platform, target: string): string[] {
  const start = ref(target, 'resource');
  const dependents = new Map<string, string[]>();
  for (const r of platform.relations) {
    if (r.type === 'dependencyOf' || r.type === 'hosts') {
      dependents.set(r.source, [...(dependents.get(r.source) ?? []), r.target]);
    }
  }
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length) {
    for (const next of dependents.get(queue.shift()!) ?? []) {
      if (!seen.has(next) && next !== start) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen].sort();
}
