import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { IconCircleCheck, IconPlayerStop, IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { CopperError, type AuditVerdict, type Progress as TaskProgress } from '../../../shared/contract';
import { useClient } from '../../api/client-context';
import { ErrorAlert } from '../../components/ErrorAlert';

type Run =
  | { state: 'idle' }
  | { state: 'running'; progress: TaskProgress | null }
  | { state: 'done'; verdict: AuditVerdict }
  | { state: 'cancelled' }
  | { state: 'failed'; error: unknown };

/** Runs the `audit.verify` task: a progress bar, Cancel, and a verdict that names the first bad record. */
export function VerifyChain() {
  const client = useClient();
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const controller = useRef<AbortController | null>(null);
  // Leaving the page stops the walk: nobody is there to read the verdict.
  useEffect(() => () => controller.current?.abort(), []);

  const start = async () => {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setRun({ state: 'running', progress: null });
    try {
      const verdict = await client.task('audit.verify', {}, {
        signal: abort.signal,
        onProgress: (progress) => {
          if (controller.current === abort) setRun({ state: 'running', progress });
        },
      });
      if (controller.current === abort) setRun({ state: 'done', verdict });
    } catch (error) {
      if (controller.current !== abort) return;
      setRun(error instanceof CopperError && error.code === 'CANCELLED' ? { state: 'cancelled' } : { state: 'failed', error });
    } finally {
      if (controller.current === abort) controller.current = null;
    }
  };

  const progress = run.state === 'running' ? run.progress : null;
  const percent = progress?.total ? Math.min(100, (progress.done / progress.total) * 100) : null;

  return (
    <Paper withBorder radius="md" p="md" mb="lg" data-testid="verify-chain">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Stack gap={2}>
            <Text fw={600}>Chain check</Text>
            <Text size="sm" c="dimmed">
              Walks every record and names the first one that was edited, deleted, inserted or reordered.
            </Text>
          </Stack>
          {run.state === 'running' ? (
            <Button variant="default" color="red" leftSection={<IconPlayerStop size={16} />} onClick={() => controller.current?.abort()}>
              Cancel
            </Button>
          ) : (
            <Button variant="light" leftSection={<IconShieldCheck size={16} />} onClick={() => void start()}>
              Verify chain
            </Button>
          )}
        </Group>
        {run.state === 'running' && (
          <Stack gap={4}>
            <Progress
              value={percent ?? 100}
              animated
              striped={percent === null}
              aria-label="Verification progress"
              data-testid="verify-progress"
            />
            <Text size="xs" c="dimmed">
              {progress?.message ?? 'Starting…'}
            </Text>
          </Stack>
        )}
        {run.state === 'done' &&
          (run.verdict.intact ? (
            <Alert color="teal" variant="light" icon={<IconCircleCheck size={20} />} title={`Intact: ${run.verdict.count} record${run.verdict.count === 1 ? '' : 's'}`} data-testid="verify-verdict" data-intact="true">
              Every record follows the one before it and matches its hash.
            </Alert>
          ) : (
            <Alert
              color="red"
              variant="light"
              icon={<IconShieldX size={20} />}
              title={`Broken at record ${run.verdict.firstBad?.seq ?? '?'}`}
              data-testid="verify-verdict"
              data-intact="false"
            >
              <Text size="sm">{run.verdict.firstBad?.reason ?? 'The chain does not hold.'}</Text>
              <Text size="sm" mt="xs">
                The trail was altered outside the console. Keep a copy of the data folder as evidence and tell your security officer.
              </Text>
            </Alert>
          ))}
        {run.state === 'cancelled' && (
          <Text size="sm" c="dimmed" data-testid="verify-verdict">
            Verification cancelled: nothing was concluded.
          </Text>
        )}
        {run.state === 'failed' && <ErrorAlert error={run.error} title="The check could not run" />}
      </Stack>
    </Paper>
  );
}
