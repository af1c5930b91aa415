import { Alert, Loader, Text } from '@mantine/core';
import { useConnectionStatus } from '../api/client-context';

/** Says plainly when the core cannot be reached; calls made meanwhile wait and go out when the link is back. */
export function ConnectionBanner() {
  const { state, failedAttempts } = useConnectionStatus();
  if (state !== 'reconnecting') return null;
  return (
    <Alert
      color="orange"
      variant="filled"
      mb="lg"
      icon={<Loader size={16} color="white" />}
      title="Disconnected — reconnecting"
      role="status"
      aria-live="polite"
      data-testid="connection-banner"
    >
      <Text size="sm">
        The console core cannot be reached. Nothing is lost: the view refreshes when the connection is back.
        {failedAttempts >= 5 &&
          ' If the console was restarted, open the new address it printed (the old access token no longer works).'}
      </Text>
    </Alert>
  );
}
