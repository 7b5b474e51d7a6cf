import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser end-to-end tests: Debian's chromium driven by playwright-core
 * against the portal on the embedded default (`yarn portal:start`), or, with
 * E2E_PORTAL=start:testbed, on the running testbed's cluster too.
 */
const portalScript = process.env.E2E_PORTAL ?? 'portal:start';

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  webServer: [
    {
      command: `yarn ${portalScript}`,
      url: 'http://localhost:3000',
      // The catalog of catalog/ plus one deliberately broken entity
      // (e2e/catalog.spec.ts), and the golden paths' templates.
      env: {
        APP_CONFIG_catalog_locations: JSON.stringify([
          { type: 'file', target: '../../catalog-info.yaml' },
          { type: 'file', target: '../../e2e/fixtures/broken-entity.yaml' },
          ...readdirSync(join(__dirname, 'templates'), { withFileTypes: true })
            .filter(d => d.isDirectory())
            .map(d => ({
              type: 'file',
              target: `../../templates/${d.name}/template.yaml`,
              rules: [{ allow: ['Template'] }],
            })),
        ]),
      },
      reuseExistingServer: !process.env.CI,
      timeout: 300_000,
    },
    {
      // The backend belongs to the command above: this entry only waits for
      // its readiness (a command that ends at once would count as a crash).
      command: 'sleep 86400',
      url: 'http://localhost:7007/.backstage/health/v1/readiness',
      reuseExistingServer: true,
      timeout: 300_000,
    },
  ],
  use: {
    baseURL: 'http://localhost:3000',
    headless: true,
    viewport: { width: 1440, height: 1800 },
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-gpu',
        '--no-first-run',
      ],
    },
  },
  outputDir: 'e2e-artifacts/results',
});
