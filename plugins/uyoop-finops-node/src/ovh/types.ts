/** The shapes of the OVH API answers the engine reads (api.ovh.com schemas, trimmed). */

export interface OvhPrice {
  currencyCode: string;
  text: string;
  value: number;
}

/** GET /me/bill/{billId} */
export interface OvhBill {
  billId: string;
  date: string;
  orderId: number;
  password: string;
  pdfUrl: string;
  url: string;
  priceWithTax: OvhPrice;
  priceWithoutTax: OvhPrice;
  tax: OvhPrice;
  category?: string;
}

/** GET /me/bill/{billId}/details/{billDetailId} */
export interface OvhBillDetail {
  billDetailId: string;
  description: string;
  domain: string;
  periodStart: string | null;
  periodEnd: string | null;
  quantity: string;
  totalPrice: OvhPrice;
  unitPrice: OvhPrice;
  planCode?: string | null;
  originalBillDetailId?: string | null;
}

/** GET /me/consumption/usage/current|forecast|history: me.consumption.Transaction[] */
export interface OvhConsumptionTransaction {
  id: number;
  beginDate: string;
  endDate: string | null;
  lastUpdate: string;
  creationDate?: string;
  price: OvhPrice;
  priceByPlanFamily: {
    planFamily: string;
    price: OvhPrice;
    quantity: number;
  }[];
  serviceIds: number[];
  elements: {
    planCode: string;
    planFamily: string;
    serviceId: number;
    price: OvhPrice;
    quantity: number;
    details: { unique_id: string; quantity: number; price?: OvhPrice }[];
  }[];
}

/** GET /vps/{serviceName} */
export interface OvhVps {
  name: string;
  displayName: string;
  model: {
    name: string;
    offer: string;
    vcore: number;
    memory: number;
    disk: number;
  };
  state: string;
  zone: string;
  vcore: number;
  memoryLimit: number;
  offerType: string;
}

/** GET /vps/{serviceName}/serviceInfos */
export interface OvhServiceInfos {
  domain: string;
  serviceId: number;
  status: string;
  creation: string;
  expiration: string;
  renewalType: string;
  renew: {
    automatic: boolean;
    deleteAtExpiration: boolean;
    forced: boolean;
    period: number | null;
  } | null;
}

/** GET /cloud/project/{projectId}/usage/current|forecast */
export interface OvhCloudUsage {
  period: { from: string; to: string };
  lastUpdate: string;
  hourlyUsage: {
    storage: {
      region: string;
      bucketName: string | null;
      type: string;
      totalPrice: number;
      stored: {
        quantity: { unit: string; value: number };
        totalPrice: number;
      } | null;
      outgoingBandwidth: {
        quantity: { unit: string; value: number };
        totalPrice: number;
      } | null;
    }[];
    instance: { region: string; reference: string; totalPrice: number }[];
  } | null;
  monthlyUsage: {
    instance: { region: string; reference: string; totalPrice: number }[];
  } | null;
}
