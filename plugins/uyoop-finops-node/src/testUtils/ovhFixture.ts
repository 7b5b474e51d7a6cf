/**
 * An OVH account shaped like uyoop's: core-prod (VPS-3, 11.90 HT = 14.28 TTC),
 * ai-lab (VPS-2, 6.00 HT = 7.20 TTC), the two domains (~10.00 TTC a month
 * together) and the S3 buffer in a Public Cloud project (2.50 HT = 3.00 TTC).
 */
import { globalAgent } from 'node:https';
import type { OvhAccount, OvhContractServer } from './ovhContractServer';
import type { OvhBill, OvhBillDetail, OvhPrice } from '../ovh/types';

export const FIXTURE_PROJECT = '5f1c0ffee0ddf00d5f1c0ffee0ddf00d';
export const FIXTURE_VPS = {
  'core-prod': 'vps-1a2b3c4d.vps.ovh.net',
  'ai-lab': 'vps-5e6f7a8b.vps.ovh.net',
};

const price = (value: number): OvhPrice => ({
  currencyCode: 'EUR',
  text: `${value.toFixed(2)} €`,
  value,
});

const detail = (
  billId: string,
  n: number,
  description: string,
  domain: string,
  ht: number,
  period: string,
  planCode: string,
): OvhBillDetail => ({
  billDetailId: `${billId}-${n}`,
  description,
  domain,
  periodStart: `${period}-01`,
  periodEnd: `${period}-28`,
  quantity: '1',
  totalPrice: price(ht),
  unitPrice: price(ht),
  planCode,
});

/** One bill item: what the service is, its OVH service name, the amount HT. */
export interface FixtureItem {
  description: string;
  domain: string;
  ht: number;
  planCode: string;
}

/**
 * A bill issued on `issuedOn` (YYYY-MM-DD) for the usage of `period`: the
 * detail lines carry the period, the bill its own date, as OVH bills do.
 */
export function fixtureBill(
  billId: string,
  period: string,
  issuedOn: string,
  items: FixtureItem[],
): { bill: OvhBill; details: OvhBillDetail[] } {
  const details = items.map((it, n) =>
    detail(billId, n + 1, it.description, it.domain, it.ht, period, it.planCode),
  );
  const ht =
    Math.round(details.reduce((s, d) => s + d.totalPrice.value, 0) * 100) /
    100;
  const tax = Math.round(ht * 0.2 * 100) / 100;
  return {
    bill: {
      billId,
      date: `${issuedOn}T06:00:00+01:00`,
      orderId: 190000000 + Number(billId.replace(/\D/g, '').slice(-6)),
      password: 'fixture',
      pdfUrl: `https://www.ovh.com/cgi-bin/order/facture.pdf?reference=${billId}`,
      url: `https://www.ovh.com/cgi-bin/order/facture.cgi?reference=${billId}`,
      priceWithoutTax: price(ht),
      tax: price(tax),
      priceWithTax: price(Math.round((ht + tax) * 100) / 100),
      category: 'autorenew',
    },
    details,
  };
}

/** A consumption transaction of `period` worth `ht` (storage), as /me/consumption/usage/current answers. */
export function fixtureConsumption(
  id: number,
  period: string,
  ht: number,
): OvhAccount['consumption']['current'][number] {
  return {
    id,
    beginDate: `${period}-01T00:00:00+01:00`,
    endDate: null,
    lastUpdate: `${period}-15T00:00:00+01:00`,
    price: price(ht),
    priceByPlanFamily: [{ planFamily: 'storage', price: price(ht), quantity: 1 }],
    serviceIds: [2000],
    elements: [
      {
        planCode: 'storage-standard.consumption',
        planFamily: 'storage',
        serviceId: 2000,
        price: price(ht),
        quantity: 1,
        details: [],
      },
    ],
  } as OvhAccount['consumption']['current'][number];
}

/** One bill a month, dated the 1st, for each period. */
export function ovhFixtureAccount(
  periods: string[],
  /** VPS prices HT; by default the catalog's (so invoices equal the estimates). */
  prices: { vps3HT?: number; vps2HT?: number } = {},
): OvhAccount {
  const bills = periods.map((period, i) => {
    const billId = `FR${String(48000000 + i)}`;
    const details = [
      detail(
        billId,
        1,
        'VPS-3 monthly rental',
        FIXTURE_VPS['core-prod'],
        prices.vps3HT ?? 11.9,
        period,
        'vps-2025-model3',
      ),
      detail(
        billId,
        2,
        'VPS-2 monthly rental',
        FIXTURE_VPS['ai-lab'],
        prices.vps2HT ?? 6.0,
        period,
        'vps-2025-model2',
      ),
      detail(
        billId,
        3,
        'Domain renewal (monthly share)',
        'uyoop.fr',
        4.17,
        period,
        'domain-fr',
      ),
      detail(
        billId,
        4,
        'Domain renewal (monthly share)',
        'cgenti.com',
        4.16,
        period,
        'domain-com',
      ),
      detail(
        billId,
        5,
        'Public Cloud Object Storage',
        FIXTURE_PROJECT,
        2.5,
        period,
        'storage-standard',
      ),
    ];
    const ht =
      Math.round(details.reduce((s, d) => s + d.totalPrice.value, 0) * 100) /
      100;
    const tax = Math.round(ht * 0.2 * 100) / 100;
    const bill: OvhBill = {
      billId,
      date: `${period}-01T06:00:00+01:00`,
      orderId: 190000000 + i,
      password: 'fixture',
      pdfUrl: `https://www.ovh.com/cgi-bin/order/facture.pdf?reference=${billId}`,
      url: `https://www.ovh.com/cgi-bin/order/facture.cgi?reference=${billId}`,
      priceWithoutTax: price(ht),
      tax: price(tax),
      priceWithTax: price(Math.round((ht + tax) * 100) / 100),
      category: 'autorenew',
    };
    return { bill, details };
  });
  const vps = (
    Object.entries(FIXTURE_VPS) as [keyof typeof FIXTURE_VPS, string][]
  ).map(([node, name], i) => ({
    vps: {
      name,
      displayName: node,
      model:
        node === 'core-prod'
          ? {
              name: 'vps-2025-model3',
              offer: 'VPS-3',
              vcore: 8,
              memory: 24576,
              disk: 200,
            }
          : {
              name: 'vps-2025-model2',
              offer: 'VPS-2',
              vcore: 4,
              memory: 12288,
              disk: 100,
            },
      state: 'running',
      zone: 'Region OpenStack: os-gra9',
      vcore: node === 'core-prod' ? 8 : 4,
      memoryLimit: node === 'core-prod' ? 24576 : 12288,
      offerType: 'ssd',
    },
    serviceInfos: {
      domain: name,
      serviceId: 1000 + i,
      status: 'ok',
      creation: '2026-02-01',
      expiration: '2027-02-01',
      renewalType: 'automaticV2016',
      renew: {
        automatic: true,
        deleteAtExpiration: false,
        forced: false,
        period: 1,
      },
    },
  }));
  const tx = (id: number, value: number) => ({
    id,
    beginDate: `${periods[periods.length - 1]}-01T00:00:00+01:00`,
    endDate: null,
    lastUpdate: `${periods[periods.length - 1]}-15T00:00:00+01:00`,
    price: price(value),
    priceByPlanFamily: [
      { planFamily: 'storage', price: price(value), quantity: 1 },
    ],
    serviceIds: [2000],
    elements: [
      {
        planCode: 'storage-standard.consumption',
        planFamily: 'storage',
        serviceId: 2000,
        price: price(value),
        quantity: 1,
        details: [],
      },
    ],
  });
  const usage = (value: number) => ({
    period: {
      from: `${periods[periods.length - 1]}-01T00:00:00Z`,
      to: `${periods[periods.length - 1]}-28T00:00:00Z`,
    },
    lastUpdate: `${periods[periods.length - 1]}-15T00:00:00Z`,
    hourlyUsage: {
      storage: [
        {
          region: 'GRA',
          bucketName: 'backups-locked',
          type: 'storage-standard',
          totalPrice: value,
          stored: {
            quantity: { unit: 'GiB·h', value: 36000 },
            totalPrice: value,
          },
          outgoingBandwidth: null,
        },
      ],
      instance: [],
    },
    monthlyUsage: { instance: [] },
  });
  return {
    bills,
    vps,
    consumption: {
      current: [tx(1, 1.25)],
      forecast: [tx(2, 2.5)],
      history: bills.map((b, i) => ({
        ...tx(10 + i, 2.5),
        beginDate: b.bill.date,
      })),
    },
    cloud: {
      [FIXTURE_PROJECT]: { current: usage(1.25), forecast: usage(2.5) },
    },
  };
}

/** The rules `accessRules()` asks for, as the contract server grants them. */
export const FIXTURE_KEYS = {
  appKey: 'fixture-app-key',
  appSecret: 'fixture-app-secret-3f9a',
  consumerKey: 'fixture-consumer-key-77c1',
};

/**
 * The `ovh` client uses Node's global HTTPS agent and offers no option for a
 * CA, so tests trust the contract server's self-signed certificate there.
 */
export function trustContractServer(server: OvhContractServer) {
  const ca = globalAgent.options.ca;
  globalAgent.options.ca = [
    ...(Array.isArray(ca) ? ca : ca ? [ca] : []),
    server.ca,
  ] as string[];
}
