import {
  createUnifiedTheme,
  genPageTheme,
  palettes,
  shapes,
  UnifiedThemeProvider,
} from '@backstage/theme';
import { ThemeBlueprint } from '@backstage/plugin-app-react';
import LightIcon from '@material-ui/icons/WbSunny';
import DarkIcon from '@material-ui/icons/Brightness2';

/** uyoop's colours: a deep sovereign blue and a teal accent. */
const brand = {
  deep: '#0b2545',
  blue: '#13315c',
  teal: '#1b998b',
  sand: '#eef4ed',
};

const pageTheme = {
  home: genPageTheme({ colors: [brand.deep, brand.teal], shape: shapes.wave }),
  documentation: genPageTheme({
    colors: [brand.blue, brand.teal],
    shape: shapes.wave2,
  }),
  tool: genPageTheme({ colors: [brand.deep, brand.blue], shape: shapes.round }),
  service: genPageTheme({
    colors: [brand.blue, brand.teal],
    shape: shapes.wave,
  }),
  website: genPageTheme({
    colors: [brand.blue, brand.teal],
    shape: shapes.wave,
  }),
  library: genPageTheme({
    colors: [brand.blue, brand.teal],
    shape: shapes.wave,
  }),
  other: genPageTheme({ colors: [brand.deep, brand.teal], shape: shapes.wave }),
  app: genPageTheme({ colors: [brand.deep, brand.teal], shape: shapes.wave }),
  apis: genPageTheme({ colors: [brand.deep, brand.blue], shape: shapes.wave2 }),
};

const navigation = {
  background: brand.deep,
  indicator: brand.teal,
  color: '#c9d6e3',
  selectedColor: '#ffffff',
  navItem: { hoverBackground: brand.blue },
};

export const uyoopLight = createUnifiedTheme({
  palette: {
    ...palettes.light,
    primary: { main: brand.blue },
    secondary: { main: brand.teal },
    navigation,
  },
  defaultPageTheme: 'home',
  pageTheme,
});

export const uyoopDark = createUnifiedTheme({
  palette: {
    ...palettes.dark,
    primary: { main: '#5fa8d3' },
    secondary: { main: brand.teal },
    navigation,
  },
  defaultPageTheme: 'home',
  pageTheme,
});

export const uyoopLightTheme = ThemeBlueprint.make({
  name: 'uyoop-light',
  params: {
    theme: {
      id: 'uyoop-light',
      title: 'uyoop light',
      variant: 'light',
      icon: <LightIcon />,
      Provider: ({ children }) => (
        <UnifiedThemeProvider theme={uyoopLight} children={children} />
      ),
    },
  },
});

export const uyoopDarkTheme = ThemeBlueprint.make({
  name: 'uyoop-dark',
  params: {
    theme: {
      id: 'uyoop-dark',
      title: 'uyoop dark',
      variant: 'dark',
      icon: <DarkIcon />,
      Provider: ({ children }) => (
        <UnifiedThemeProvider theme={uyoopDark} children={children} />
      ),
    },
  },
});
