// Must stay the first import: zod turns jitless before any schema is built, so a strict CSP never sees an eval attempt.
import '../shared/zod-jitless';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider, localStorageColorSchemeManager } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { App } from './App';
import { ClientProvider, createQueryClient } from './api/client-context';
import { pickTransport } from './api/transport';
import { theme } from './theme';

const transport = pickTransport();
const queryClient = createQueryClient();
const colorSchemeManager = localStorageColorSchemeManager({ key: 'copper-color-scheme' });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      {/* Bottom left: drawers open on the right and dialogs sit in the middle, so a notice never hides their buttons. */}
      <Notifications position="bottom-left" autoClose={4000} />
      <ClientProvider transport={transport} queryClient={queryClient}>
        <App />
      </ClientProvider>
    </MantineProvider>
  </StrictMode>,
);
