import { Badge, createTheme, type MantineColorsTuple } from '@mantine/core';

const copper: MantineColorsTuple = [
  '#fdf3ec',
  '#f6e3d6',
  '#eec5aa',
  '#e6a57a',
  '#df8a52',
  '#db7939',
  '#d46d2b',
  '#bb5c1f',
  '#a65119',
  '#904411',
];

/** System fonts only: the app runs air-gapped under a strict CSP, so nothing is fetched from a font service. */
export const theme = createTheme({
  // Copper is the brand (logo); controls use a calm blue so a focused field never looks like an error.
  primaryColor: 'indigo',
  // Shade 7 keeps white button text readable (WCAG AA).
  primaryShade: { light: 7, dark: 7 },
  colors: { copper },
  defaultRadius: 'md',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "Cascadia Mono", "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    // A badge says something short that must be read whole ("not trusted", "reachable · 12 ms"): in a narrow table
    // column it widens the column instead of being cut to "not trust…".
    Badge: Badge.extend({ styles: { root: { flexShrink: 0 }, label: { overflow: 'visible' } } }),
  },
});
