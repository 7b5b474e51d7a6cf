import { expect, Page, test } from '@playwright/test';

/** A template's card on the Create page: the smallest block with its title and its Choose button. */
function templateCard(page: Page, title: string) {
  return page
    .locator('div')
    .filter({ has: page.getByRole('heading', { name: title, exact: true }) })
    .filter({ has: page.getByRole('button', { name: 'Choose' }) })
    .last();
}

/**
 * Chooses an entity in a catalog picker (OwnerPicker, EntityPicker) by the
 * title it offers; the field then shows the entity's reference.
 */
async function pick(page: Page, label: string, title: string, ref: string) {
  const field = page.getByRole('textbox', { name: label });
  await field.click();
  await field.fill(title);
  await page.getByRole('option', { name: title, exact: true }).click();
  await expect(field).toHaveValue(ref);
}

test('a guest follows the golden path from home: a new web service, published and in the catalog', async ({
  page,
}) => {
  // A real run: it publishes a local repository and registers the new
  // Component, which the catalog then has to process.
  test.setTimeout(300_000);
  const name = `e2e-${Date.now().toString(36)}`;

  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('uyoop platform at a glance')).toBeVisible();

  // The home page's golden paths card leads to the Create page.
  await expect(
    page.getByText(
      'Templates create services born protected, costed, backed up and deployable',
    ),
  ).toBeVisible();
  await page.getByRole('link', { name: 'open the golden paths' }).click();
  await expect(page).toHaveURL(/\/create(\/|$)/);

  // The three templates, each with its title and what it creates.
  const templates = [
    {
      title: 'Web service (Node.js, behind SSO)',
      description: 'A Node.js/TypeScript HTTP service born protected',
    },
    {
      title: 'Static site (public, served by Traefik)',
      description: 'A public static site served by an unprivileged nginx',
    },
    {
      title: 'Environment namespace',
      description:
        'A new namespace with its tier, owner and cost-centre labels',
    },
  ];
  for (const { title, description } of templates) {
    const card = templateCard(page, title);
    await expect(card).toBeVisible({ timeout: 60_000 });
    await expect(card).toContainText(description);
  }
  await page.screenshot({
    path: 'e2e-artifacts/create-templates.png',
    fullPage: true,
  });

  // Choose the web service.
  await templateCard(page, 'Web service (Node.js, behind SSO)')
    .getByRole('button', { name: 'Choose' })
    .click();

  // First page: the service.
  await expect(page.getByText('The service').first()).toBeVisible();
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('A service created by the golden path, end to end.');
  await pick(page, 'Owner', 'Developers', 'group:default/developers');
  await pick(page, 'System', 'Web', 'system:default/web');
  await page.getByRole('button', { name: 'Next' }).click();

  // Second page: where it runs.
  await pick(page, 'Node', 'core-prod (VPS-3)', 'resource:default/core-prod');
  await page.getByRole('button', { name: /Tier/ }).click();
  await page.getByRole('option', { name: 'dev', exact: true }).click();
  await expect(page.getByRole('spinbutton', { name: 'Port' })).toHaveValue(
    '8080',
  );
  await page.getByRole('button', { name: 'Review' }).click();

  // Review: what was entered, then create.
  const review = page.getByRole('table');
  await expect(review).toContainText(name);
  await expect(review).toContainText('8080');
  await page.screenshot({
    path: 'e2e-artifacts/create-review.png',
    fullPage: true,
  });
  await page.getByRole('button', { name: 'Create' }).click();

  // The run completes and shows its output links.
  const repository = page.getByRole('link', { name: 'Repository' });
  const openInCatalog = page.getByRole('link', { name: 'Open in catalog' });
  await expect(repository).toBeVisible({ timeout: 120_000 });
  await expect(openInCatalog).toBeVisible();
  await expect(repository).toHaveAttribute(
    'href',
    new RegExp(`/api/scaffolder/repos/${name}$`),
  );
  await page.screenshot({
    path: 'e2e-artifacts/create-run.png',
    fullPage: true,
  });

  // The Repository link shows the new repository's files.
  const forgePage = await page.context().newPage();
  await forgePage.goto((await repository.getAttribute('href'))!);
  for (const file of ['.gitlab-ci.yml', 'Dockerfile', 'catalog-info.yaml'])
    await expect(forgePage.locator('body')).toContainText(file);
  await forgePage.close();

  // The new component's page, once the catalog has processed it.
  await openInCatalog.click();
  await expect(page).toHaveURL(
    new RegExp(`/catalog/default/component/${name}`),
  );
  await expect(page.getByRole('heading', { name }).first()).toBeVisible({
    timeout: 90_000,
  });
  await expect(
    page.getByText('A service created by the golden path, end to end.').first(),
  ).toBeVisible();
  await page.screenshot({
    path: 'e2e-artifacts/create-entity.png',
    fullPage: true,
  });
});
