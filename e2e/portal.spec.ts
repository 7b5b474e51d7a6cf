import { expect, test } from '@playwright/test';

test('a guest signs in and finds the platform: Mailcow in the catalog, core-prod with its specs', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();

  // Home: the platform at a glance, straight from the catalog.
  await expect(page.getByText('uyoop platform at a glance')).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'core-prod specs' }),
  ).toContainText('VPS-3');
  await expect(page.getByRole('table', { name: 'ai-lab specs' })).toContainText(
    'VPS-2',
  );
  await page.screenshot({ path: 'e2e-artifacts/home.png', fullPage: true });

  // The catalog lists Mailcow among every component.
  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  const mailcow = page.getByRole('link', { name: 'Mailcow', exact: true });
  await expect(mailcow).toBeVisible();
  await page.screenshot({ path: 'e2e-artifacts/catalog.png', fullPage: true });

  // Mailcow depends on core-prod; its page shows the node's specs and what it hosts.
  await mailcow.click();
  await expect(
    page.getByRole('heading', { name: 'Mailcow' }).first(),
  ).toBeVisible();
  await page
    .getByRole('link', { name: /core-prod/ })
    .first()
    .click();
  const specs = page.getByRole('table', { name: 'core-prod specs' });
  await expect(specs).toContainText('vCores8');
  await expect(specs).toContainText('24 GiB');
  await expect(specs).toContainText('200 GiB NVMe');
  await expect(specs).toContainText('14.28 EUR TTC');
  await expect(page.getByLabel('services on core-prod')).toContainText(
    'Nextcloud',
  );
  await specs.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/core-prod.png' });
});
