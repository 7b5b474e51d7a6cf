import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import finopsPlugin from '@internal/plugin-uyoop-finops';
import drpPlugin from '@internal/plugin-uyoop-drp';
import platformPlugin from '@internal/plugin-uyoop-platform';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { signInModule } from './modules/signIn';
import { auditPlugin } from './modules/audit';
import {
  uyoopCatalogGraphModule,
  uyoopCatalogModule,
  uyoopThemeModule,
} from './modules/uyoop';

export default createApp({
  features: [
    catalogPlugin,
    navModule,
    homeModule,
    uyoopThemeModule,
    uyoopCatalogModule,
    uyoopCatalogGraphModule,
    finopsPlugin,
    drpPlugin,
    platformPlugin,
    signInModule,
    auditPlugin,
  ],
});
