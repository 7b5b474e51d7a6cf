import {
  CostLine,
  nextPeriod,
  round2,
} from '@internal/plugin-uyoop-finops-common';
import { currentPeriod, makeLine } from '../lines';
import type { OvhApi } from './client';
import type {
  OvhBill,
  OvhBillDetail,
  OvhCloudUsage,
  OvhConsumptionTransaction,
  OvhServiceInfos,
  OvhVps,
} from './types';

export interface OvhSourceOptions {
  /** Catalog node names, to match VPS by their OVH display name. */
  nodes: string[];
  /** Catalog DNS domains (e.g. `uyoop.fr`, the entity `uyoop-fr`). */
  domains: string[];
  /** Explicit node -> OVH service name (vps-xxxx.vps.ovh.net), when display names differ. */
  nodeServices?: Record<string, string>;
  cloudProjectId?: string;
  now?: Date;
}

export interface OvhVpsInfo {
  service: string;
  node: string | null;
  offer: string;
  state: string;
  serviceId: number;
  expiration: string;
}

/** The VPS of the account, matched to catalog nodes. */
export async function listVps(
  api: OvhApi,
  options: OvhSourceOptions,
): Promise<OvhVpsInfo[]> {
  const names = await api.get<string[]>('/vps');
  const byService = Object.fromEntries(
    Object.entries(options.nodeServices ?? {}).map(([n, s]) => [s, n]),
  );
  const out: OvhVpsInfo[] = [];
  for (const service of names) {
    const vps = await api.get<OvhVps>(`/vps/${service}`);
    const infos = await api.get<OvhServiceInfos>(
      `/vps/${service}/serviceInfos`,
    );
    const node =
      byService[service] ??
      (options.nodes.includes(vps.displayName) ? vps.displayName : null);
    out.push({
      service,
      node,
      offer: vps.model?.offer ?? vps.offerType,
      state: vps.state,
      serviceId: infos.serviceId,
      expiration: infos.expiration,
    });
  }
  return out;
}

/** The bill's VAT rate; the bill's tax is rounded to cents, so the ratio is snapped to 0.1 %. */
const vatRateOf = (bill: OvhBill) =>
  bill.priceWithoutTax.value > 0
    ? Math.round((bill.tax.value / bill.priceWithoutTax.value) * 1000) / 1000
    : 0.2;

const periodOf = (iso: string) => iso.slice(0, 7);

/**
 * Invoice lines of a period: the bills dated from the start of the period
 * to today (usage is billed after the fact, sometimes months later), keeping
 * the detail lines whose service period starts in the period.
 */
export async function collectBills(
  api: OvhApi,
  period: string,
  vps: OvhVpsInfo[],
  options: OvhSourceOptions,
): Promise<CostLine[]> {
  // Bills dated from the period up to today: a bill OVH issues two or more
  // months late is still found while the period waits for it.
  const nextMonth = nextPeriod(currentPeriod(options.now), 1);
  const twoAfter = nextPeriod(period, 2);
  const ids = await api.get<string[]>('/me/bill', {
    'date.from': `${period}-01`,
    'date.to': `${nextMonth > twoAfter ? nextMonth : twoAfter}-01`,
  });
  const nodeOf = new Map(
    vps.filter(v => v.node).map(v => [v.service, v.node!]),
  );
  const lines: CostLine[] = [];
  for (const billId of ids) {
    const bill = await api.get<OvhBill>(`/me/bill/${billId}`);
    const vatRate = vatRateOf(bill);
    const detailIds = await api.get<string[]>(`/me/bill/${billId}/details`);
    for (const detailId of detailIds) {
      const d = await api.get<OvhBillDetail>(
        `/me/bill/${billId}/details/${detailId}`,
      );
      const linePeriod = periodOf(d.periodStart ?? bill.date);
      if (linePeriod !== period) continue;
      const node = nodeOf.get(d.domain) ?? null;
      let category: CostLine['category'] = 'other';
      let service: string | null = null;
      if (node) category = 'compute';
      else if (options.domains.includes(d.domain)) {
        category = 'domain';
        // The catalog names the entity of uyoop.fr `uyoop-fr`.
        service = d.domain.replace(/\./g, '-');
      } else if (
        /object storage|s3|storage/i.test(
          `${d.description} ${d.planCode ?? ''}`,
        ) ||
        d.domain === options.cloudProjectId
      )
        category = 'storage';
      lines.push(
        makeLine({
          period,
          date: d.periodStart ?? bill.date,
          source: 'ovh-bill',
          externalId: `${billId}/${d.billDetailId}`,
          category,
          node,
          service,
          description: `${d.description} (${d.domain})`,
          amount: d.totalPrice.value,
          basis: 'HT',
          vatRate,
          billId,
        }),
      );
    }
  }
  return lines;
}

/** Pay-as-you-go usage of the running month (provisional until it is billed). */
export async function collectConsumption(
  api: OvhApi,
  period: string,
  vps: OvhVpsInfo[],
): Promise<CostLine[]> {
  const txs = await api.get<OvhConsumptionTransaction[]>(
    '/me/consumption/usage/current',
  );
  const nodeOf = new Map(
    vps.filter(v => v.node).map(v => [v.serviceId, v.node!]),
  );
  return txs.flatMap(tx =>
    tx.elements.map(el =>
      makeLine({
        period,
        date: tx.beginDate,
        source: 'ovh-consumption',
        externalId: `${tx.id}/${el.serviceId}/${el.planCode}`,
        category: nodeOf.has(el.serviceId)
          ? 'compute'
          : /storage/i.test(el.planFamily)
          ? 'storage'
          : 'other',
        node: nodeOf.get(el.serviceId) ?? null,
        description: `${el.planFamily} ${el.planCode} (consumption, provisional)`,
        amount: el.price.value,
        basis: 'HT',
      }),
    ),
  );
}

/** Object Storage of the Public Cloud project (the S3 buffer), running month. */
export async function collectCloudStorage(
  api: OvhApi,
  period: string,
  projectId: string,
): Promise<CostLine[]> {
  const usage = await api.get<OvhCloudUsage>(
    `/cloud/project/${projectId}/usage/current`,
  );
  return (usage.hourlyUsage?.storage ?? []).map(s =>
    makeLine({
      period,
      source: 'ovh-cloud',
      externalId: `${projectId}/${s.region}/${s.bucketName ?? s.type}`,
      category: 'storage',
      description: `Object Storage ${s.bucketName ?? s.type} (${s.region})`,
      amount: s.totalPrice,
      basis: 'HT',
    }),
  );
}

/** OVH's own forecast of the running month's pay-as-you-go cost, HT. */
export async function ovhForecastHT(
  api: OvhApi,
  projectId?: string,
): Promise<number> {
  const txs = await api.get<OvhConsumptionTransaction[]>(
    '/me/consumption/usage/forecast',
  );
  let total = txs.reduce((s, t) => s + (t.price?.value ?? 0), 0);
  if (projectId) {
    const usage = await api.get<OvhCloudUsage>(
      `/cloud/project/${projectId}/usage/forecast`,
    );
    total += (usage.hourlyUsage?.storage ?? []).reduce(
      (s, x) => s + x.totalPrice,
      0,
    );
  }
  return round2(total);
}

/** Past pay-as-you-go totals per month (HT), from /me/consumption/usage/history. */
export async function consumptionHistoryHT(
  api: OvhApi,
  from: string,
  to: string,
): Promise<Record<string, number>> {
  const txs = await api.get<OvhConsumptionTransaction[]>(
    '/me/consumption/usage/history',
    {
      beginDate: `${from}-01`,
      endDate: `${nextPeriod(to)}-01`,
    },
  );
  const out: Record<string, number> = {};
  for (const t of txs)
    out[periodOf(t.beginDate)] = round2(
      (out[periodOf(t.beginDate)] ?? 0) + t.price.value,
    );
  return out;
}

/** Everything OVH says about a period, as normalized lines. */
export async function collectOvh(
  api: OvhApi,
  period: string,
  options: OvhSourceOptions,
): Promise<CostLine[]> {
  const vps = await listVps(api, options);
  const lines = await collectBills(api, period, vps, options);
  if (period === currentPeriod(options.now)) {
    lines.push(...(await collectConsumption(api, period, vps)));
    if (options.cloudProjectId)
      lines.push(
        ...(await collectCloudStorage(api, period, options.cloudProjectId)),
      );
  }
  return lines;
}
