/*
 * The uyoop portal backend (new backend system).
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
// The events bus: plugins (catalog, notifications, signals) publish and
// subscribe through it; without it their subscriptions get 404s at start.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));

backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
// publish:gitlab: production's golden paths create their repositories in GitLab.
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
// uyoop: golden paths rendered by the platform's generators (uyoop:manifests:render)
backend.add(import('@internal/plugin-scaffolder-backend-module-uyoop'));

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// Authelia OIDC in production (app-config.production.yaml), mapped to catalog users
backend.add(import('./signIn'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
// uyoop: the validation of `yarn uyoop catalog validate`, and hostedOn/hosts
backend.add(import('@internal/plugin-catalog-backend-module-uyoop'));

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// uyoop's policy: denies by default, allows by catalog group.
backend.add(import('./permissionPolicy'));
// The audit trail: every plugin's auditor also writes to a table; admins read it.
backend.add(import('./audit/auditor'));
backend.add(import('./audit'));

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// mcp actions plugin
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// uyoop FinOps: costs, allocation, budgets, Prometheus metrics
backend.add(import('@internal/plugin-uyoop-finops-backend'));

// uyoop DRP: backup inventory, coverage preflight, restores and drills
backend.add(import('@internal/plugin-uyoop-drp-backend'));

// uyoop platform: the NetworkPolicy reachability matrix, from the catalog
backend.add(import('@internal/plugin-uyoop-platform-backend'));

backend.start();
