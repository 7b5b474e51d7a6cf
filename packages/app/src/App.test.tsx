import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fireEvent, render, screen } from '@testing-library/react';
import { parse } from 'yaml';
import appPackage from '../package.json';

/**
 * The plugins the build discovers (`app.packages: all`): the frontend plugins
 * among the app's dependencies, by their `alpha` entry point when they have
 * one, as the Backstage CLI hands them to the app.
 */
function discoveredModules() {
  const modules: { name: string; default: unknown }[] = [];
  for (const name of Object.keys(appPackage.dependencies)) {
    for (const entry of [`${name}/alpha`, name]) {
      let feature: any;
      try {
        feature = require(entry).default;
      } catch {
        continue;
      }
      if (/^@backstage\/Frontend(Plugin|Module)$/.test(feature?.$$type)) {
        modules.push({ name, default: feature });
        break;
      }
    }
  }
  return modules;
}

describe('App', () => {
  it('opens, after the guest sign-in, on the home page: the platform at a glance, and the FinOps entry of the sidebar', async () => {
    // The app part of the embedded default, as the portal serves it.
    const { app, organization, backend } = parse(
      readFileSync(join(__dirname, '../../../app-config.yaml'), 'utf8'),
    );
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: { app, organization, backend: { baseUrl: backend.baseUrl } },
          context: 'test',
        },
      ] as any,
    };
    (window as any)['__@backstage/discovered__'] = {
      modules: discoveredModules(),
    };
    const { default: App } = await import('./App');

    render(App.createRoot());

    // The sign-in page of the embedded default: enter as the guest. With no
    // backend to issue a guest token, the page asks to go on as a local guest.
    const confirm = jest.spyOn(window, 'confirm').mockReturnValue(true);
    fireEvent.click(await screen.findByText('Enter', {}, { timeout: 60_000 }));

    expect(
      await screen.findByText(
        'uyoop platform at a glance',
        {},
        { timeout: 60_000 },
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Une stratégie à votre image.'),
    ).toBeInTheDocument();
    expect(screen.getByText('FinOps')).toBeInTheDocument();
    expect(confirm).toHaveBeenCalledTimes(1);
  }, 180_000);
});
