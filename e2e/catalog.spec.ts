import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('uyoop platform at a glance')).toBeVisible();
});

test('core-prod lists what it hosts by namespace, from the hosts relation', async ({
  page,
}) => {
  await page.goto('/catalog/default/resource/core-prod');
  const hosted = page.getByLabel('services on core-prod');
  await expect(
    hosted.getByRole('group', { name: 'namespace prod-mail' }),
  ).toContainText('Mailcow');
  await expect(
    hosted.getByRole('group', { name: 'namespace prod-cloud' }),
  ).toContainText('Nextcloud');
  await expect(
    hosted.getByRole('group', { name: 'namespace security' }),
  ).toContainText('Authelia');
  // Nothing placed on ai-lab shows here.
  await expect(hosted).not.toContainText('Ollama');
  await hosted.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/core-prod-hosts.png' });
});

test('a broken entity shows its error in the portal, naming the field as the command line does', async ({
  page,
}) => {
  // The stock "Processing Status" filter, "Has Error": the broken entity, and no valid one.
  await page.goto('/catalog?filters[kind]=component&filters[user]=all');
  await expect(
    page.getByRole('link', { name: 'Mailcow', exact: true }),
  ).toBeVisible();
  await page.getByTestId('processing-status-picker-expand').click();
  await page.getByRole('option', { name: 'Has Error' }).click();
  await page.keyboard.press('Escape');
  const broken = page.getByRole('link', { name: 'E2E broken service' });
  await expect(broken).toBeVisible();
  await expect(
    page.getByRole('link', { name: 'Mailcow', exact: true }),
  ).toHaveCount(0);
  await page.screenshot({ path: 'e2e-artifacts/catalog-has-error.png' });

  // Its page: one error per problem, field first, as `yarn uyoop catalog validate` prints them.
  await broken.click();
  await expect(
    page
      .getByText(
        'metadata.annotations["uyoop.io/colour"]: unknown annotation (see catalog/README.md)',
      )
      .first(),
  ).toBeVisible();
  await expect(
    page
      .getByText('metadata.annotations["uyoop.io/node"]: is required')
      .first(),
  ).toBeVisible();
  await page.screenshot({
    path: 'e2e-artifacts/broken-entity.png',
    fullPage: true,
  });
});

test('the catalog graph filters on hosts: core-prod and what it hosts, not its owner', async ({
  page,
}) => {
  await page.goto(
    '/catalog-graph?rootEntityRefs[]=resource:default/core-prod&selectedRelations[]=hosts&maxDepth=1&showFilters=true',
  );
  const graph = page.locator('svg').filter({ hasText: 'core-prod' }).first();
  await expect(graph).toContainText('Mailcow');
  await expect(graph).toContainText('Nextcloud');
  await expect(graph).not.toContainText('Platform admins');
  await page.screenshot({ path: 'e2e-artifacts/catalog-graph-hosts.png' });
});
