import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('opens on the home page: the platform at a glance, and the FinOps entry of the sidebar', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test', baseUrl: 'http://localhost:3000' },
            backend: { baseUrl: 'http://localhost:7007' },
            techdocs: {
              storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
            },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    expect(
      await screen.findByText('uyoop platform at a glance', {}, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(screen.getByText('Une stratégie à votre image.')).toBeInTheDocument();
    expect(screen.getByText('FinOps')).toBeInTheDocument();
  }, 30_000);
});
