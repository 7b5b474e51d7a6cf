import { expect, test } from '@playwright/test';

// Needs the portal started against the testbed: E2E_PORTAL=start:testbed (scripts/test-all.sh does).
test('the Kubernetes tab of Ghost shows its live workload on the testbed cluster', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByText('uyoop platform at a glance')).toBeVisible();
  await page.goto('/catalog/default/component/ghost/kubernetes');
  await expect(
    page.getByRole('heading', { name: 'Your Clusters' }),
  ).toBeVisible();
  await expect(
    page.getByText('testbed', { exact: true }).last(),
    'no cluster named testbed: start the portal with E2E_PORTAL=start:testbed after yarn testbed up',
  ).toBeVisible();
  await expect(page.getByText('1 pod', { exact: true })).toBeVisible();
  await expect(page.getByText('No pods with errors')).toBeVisible();
  await page.screenshot({
    path: 'e2e-artifacts/ghost-kubernetes.png',
    fullPage: true,
  });
});
