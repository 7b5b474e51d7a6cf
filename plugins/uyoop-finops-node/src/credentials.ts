/**
 * OVH credentials come from the environment only, and never reach a log:
 * `describeCredentials` shows which variables are set, not their values.
 */

export interface OvhCredentials {
  appKey: string;
  appSecret: string;
  consumerKey: string;
  /** `ovh-eu` unless OVH_ENDPOINT says otherwise. */
  endpoint: string;
  /** Public Cloud project holding the Object Storage (S3 buffer), when there is one. */
  cloudProjectId?: string;
}

export const OVH_ENV = {
  appKey: 'OVH_APPLICATION_KEY',
  appSecret: 'OVH_APPLICATION_SECRET',
  consumerKey: 'OVH_CONSUMER_KEY',
  endpoint: 'OVH_ENDPOINT',
  cloudProjectId: 'OVH_CLOUD_PROJECT_ID',
} as const;

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/**
 * Reads the credentials; undefined when none of the three keys is set (the
 * embedded default: estimates), an error naming the missing variables when
 * only some are.
 */
export function credentialsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): OvhCredentials | undefined {
  const keys = [OVH_ENV.appKey, OVH_ENV.appSecret, OVH_ENV.consumerKey];
  const set = keys.filter(k => env[k]);
  if (!set.length) return undefined;
  if (set.length < keys.length) {
    throw new CredentialsError(
      `OVH credentials are incomplete: set ${keys
        .filter(k => !env[k])
        .join(', ')} as well (or unset ${set.join(
        ', ',
      )} to use the dossier's estimates)`,
    );
  }
  return {
    appKey: env[OVH_ENV.appKey]!,
    appSecret: env[OVH_ENV.appSecret]!,
    consumerKey: env[OVH_ENV.consumerKey]!,
    endpoint: env[OVH_ENV.endpoint] || 'ovh-eu',
    cloudProjectId: env[OVH_ENV.cloudProjectId] || undefined,
  };
}

/** What may be logged about the credentials: which are set, never a value. */
export function describeCredentials(c: OvhCredentials | undefined): string {
  if (!c)
    return 'no OVH credentials: using the dossier target prices (estimate)';
  return `OVH credentials from ${OVH_ENV.appKey}, ${OVH_ENV.appSecret}, ${
    OVH_ENV.consumerKey
  } (endpoint ${c.endpoint}${c.cloudProjectId ? `, cloud project set` : ''})`;
}

/**
 * The narrowest access rules the consumer key needs: GET only, on the paths
 * the engine reads.
 */
export function accessRules(cloudProjectId?: string) {
  const rules = [
    { method: 'GET', path: '/me/bill' },
    { method: 'GET', path: '/me/bill/*' },
    { method: 'GET', path: '/me/consumption/usage/current' },
    { method: 'GET', path: '/me/consumption/usage/forecast' },
    { method: 'GET', path: '/me/consumption/usage/history' },
    { method: 'GET', path: '/vps' },
    { method: 'GET', path: '/vps/*' },
  ];
  if (cloudProjectId) {
    rules.push({
      method: 'GET',
      path: `/cloud/project/${cloudProjectId}/usage/*`,
    });
  } else {
    rules.push({ method: 'GET', path: '/cloud/project/*/usage/*' });
  }
  return rules;
}

/** The consumer-key request and validation steps, printed by `finops credentials`. */
export function credentialSteps(cloudProjectId?: string): string[] {
  const body = JSON.stringify({ accessRules: accessRules(cloudProjectId) });
  return [
    '1. Create an application at https://eu.api.ovh.com/createApp/ : note its application key and secret.',
    '2. Ask for a consumer key limited to these rules (GET only):',
    `   curl -X POST -H "X-Ovh-Application: $${OVH_ENV.appKey}" -H "Content-type: application/json" https://eu.api.ovh.com/1.0/auth/credential -d '${body}'`,
    '3. Open the validationUrl of the answer, sign in with the account that owns the services, choose an unlimited validity.',
    `4. Export ${OVH_ENV.appKey}, ${OVH_ENV.appSecret}, ${OVH_ENV.consumerKey} (and ${OVH_ENV.cloudProjectId} if the S3 buffer lives in a Public Cloud project) in the backend's environment; never in a file of the repository.`,
    '5. Check: `scripts/finops.ts ingest --dry-run` lists the bills it would read; a 403 names the rule that is missing.',
  ];
}
