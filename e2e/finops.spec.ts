import { expect, test } from '@playwright/test';

test("a guest opens FinOps and sees legacy against sovereign with the dossier's numbers", async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();

  // The home page's FinOps card links to the page.
  await page.getByRole('link', { name: 'open the FinOps page' }).click();
  await expect(page).toHaveURL(/\/finops$/);

  // Without OVH credentials the figures are the dossier's, labelled estimate.
  await expect(page.getByText('estimate: dossier target prices')).toBeVisible();
  await expect(
    page.getByRole('img', {
      name: 'legacy against sovereign, EUR TTC a month',
    }),
  ).toBeVisible();
  const table = page.getByRole('table', { name: 'legacy against sovereign' });
  await expect(table).toContainText(
    'Proton 119.88 + Microsoft 66.24 + O2Switch 84.00 + Registrars 125.00 = 395.12 EUR HT a year',
  );
  await expect(table).toContainText('~24.28 EUR TTC a month');
  await expect(table).toContainText('~28 EUR TTC a month');
  await expect(table).toContainText('~35 EUR TTC a month');
  await expect(
    page.getByRole('img', { name: 'monthly costs by service, EUR TTC' }),
  ).toBeVisible();
  await expect(page.getByRole('table', { name: 'budgets' })).toContainText(
    'sovereign platform (full package)',
  );
  await page.screenshot({ path: 'e2e-artifacts/finops.png', fullPage: true });
});
