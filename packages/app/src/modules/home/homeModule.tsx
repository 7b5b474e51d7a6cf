import { Content, ContentHeader } from '@backstage/core-components';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageLayoutBlueprint } from '@backstage/plugin-home-react/alpha';
import { Typography } from '@material-ui/core';
import { PlatformOverview } from '../uyoop/PlatformOverview';

const HomeLayout = () => (
  <Content>
    <ContentHeader title="uyoop platform at a glance">
      <Typography variant="body2">Une stratégie à votre image.</Typography>
    </ContentHeader>
    <PlatformOverview />
  </Content>
);

/** The home page shows the platform itself, read from the catalog. */
const homeLayout = HomePageLayoutBlueprint.make({
  params: { loader: async () => HomeLayout },
});

export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [homeLayout],
});
