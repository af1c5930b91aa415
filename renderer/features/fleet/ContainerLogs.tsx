import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Alert, Box, Button, Group, Loader, Modal, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconRefresh } from '@tabler/icons-react';
import type { LogLine } from '../../../shared/contract';
import { useTask } from '../../api/useTask';
import { ErrorAlert } from '../../components/ErrorAlert';
import { visibleSegments } from './visible-text';

const TAILS = ['100', '200', '1000'] as const;

/**
 * One log line. Must not change: the text goes in as React text children (never innerHTML), and control characters
 * become visible `\xNN` markers, so markup stays markup-as-text and no terminal escape reaches the page.
 */
const Line = memo(function Line({ line }: { line: LogLine }) {
  const stderr = line.stream === 'stderr';
  return (
    <div
      data-stream={line.stream}
      style={{
        padding: '0 10px',
        minHeight: '1.5em',
        whiteSpace: 'pre-wrap',
        overflowWrap: 'anywhere',
        borderLeft: `3px solid ${stderr ? 'var(--mantine-color-red-6)' : 'transparent'}`,
        background: stderr ? 'light-dark(var(--mantine-color-red-0), rgba(250, 82, 82, 0.12))' : undefined,
        color: stderr ? 'light-dark(var(--mantine-color-red-9), var(--mantine-color-red-2))' : undefined,
      }}
    >
      {visibleSegments(line.text).map((segment, index) =>
        segment.control ? (
          <span
            key={index}
            title="control character"
            style={{ color: 'var(--mantine-color-dimmed)', background: 'var(--mantine-color-default-hover)', borderRadius: 3, padding: '0 2px' }}
          >
            {segment.text}
          </span>
        ) : (
          segment.text
        ),
      )}
    </div>
  );
});

function LogBox({ lines }: { lines: LogLine[] }) {
  const box = useRef<HTMLDivElement>(null);
  // The newest lines matter most: open at the bottom, like `docker logs`.
  useLayoutEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <Box
      ref={box}
      role="log"
      aria-label="Container log"
      tabIndex={0}
      data-testid="log-box"
      ff="monospace"
      fz={12.5}
      lh={1.5}
      py={6}
      style={{
        minHeight: 160,
        maxHeight: 'min(60vh, 560px)',
        overflow: 'auto',
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-md)',
        background: 'light-dark(var(--mantine-color-gray-0), var(--mantine-color-dark-8))',
      }}
    >
      {lines.length === 0 ? (
        <Text size="sm" c="dimmed" px="sm" py="xs" ff="body">
          The log is empty.
        </Text>
      ) : (
        lines.map((line, index) => <Line key={index} line={line} />)
      )}
    </Box>
  );
}

/** The last lines of a container's log, read on demand (bounded by the core), shown strictly as text. */
export function ContainerLogs({ host, container, onClose }: { host: string; container: string | null; onClose: () => void }) {
  const logs = useTask('docker.logs');
  const [tail, setTail] = useState<(typeof TAILS)[number]>('200');
  const [shown, setShown] = useState(container);
  if (container !== null && container !== shown) setShown(container);
  const { run, cancel, reset } = logs;

  useEffect(() => {
    if (container === null) {
      cancel();
      return;
    }
    reset();
    void run({ host, container, tail: Number(tail) });
  }, [host, container, tail, run, cancel, reset]);

  const lines = logs.output?.lines ?? [];
  const stderrCount = lines.filter((line) => line.stream === 'stderr').length;

  return (
    <Modal
      opened={container !== null}
      onClose={onClose}
      title={`Log of ${shown ?? ''} on ${host}`}
      size="80rem"
      centered
      closeButtonProps={{ 'aria-label': 'Close' }}
      data-testid="logs-dialog"
      styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)', overflowWrap: 'anywhere' } }}
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Group gap="sm">
            <Text size="sm" c="dimmed" id="log-tail-label">
              Last lines
            </Text>
            <SegmentedControl
              size="xs"
              aria-labelledby="log-tail-label"
              value={tail}
              onChange={(value) => setTail(value as (typeof TAILS)[number])}
              data={TAILS.map((value) => ({ value, label: value }))}
            />
          </Group>
          <Group gap="sm">
            {logs.running && <Loader size="xs" aria-label="Reading the log" />}
            <Button
              size="xs"
              variant="default"
              leftSection={<IconRefresh size={14} />}
              onClick={() => shown && void run({ host, container: shown, tail: Number(tail) })}
              disabled={logs.running}
            >
              Refresh
            </Button>
          </Group>
        </Group>
        {logs.error !== null && <ErrorAlert error={logs.error} title={`Could not read the log of ${shown ?? 'the container'}`} />}
        {logs.output?.truncated && (
          <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={18} />} py="xs">
            The log was cut off at the size limit: only part of it is shown.
          </Alert>
        )}
        {logs.output ? (
          <LogBox lines={lines} />
        ) : logs.running ? (
          <Group gap="xs" py="xl" justify="center">
            <Loader size="sm" />
            <Text size="sm">Reading the log…</Text>
          </Group>
        ) : null}
        {logs.output && (
          <Group gap="md">
            <Text size="xs" c="dimmed" data-testid="log-count">
              {`${lines.length} line${lines.length === 1 ? '' : 's'}${stderrCount ? `, ${stderrCount} on stderr (tinted red)` : ''}`}
            </Text>
            <Text size="xs" c="dimmed">
              {'Shown as plain text; control characters appear as \\x.. markers.'}
            </Text>
          </Group>
        )}
      </Stack>
    </Modal>
  );
}
