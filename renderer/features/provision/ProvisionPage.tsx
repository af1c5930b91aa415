import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Checkbox, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconArrowLeft, IconInfoCircle, IconListCheck, IconPlayerPlay, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import type { ProvisionResult } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';
import { hostHref } from '../../router';
import { BundleCard } from './BundleCard';
import { applyBlocker, applyErrorHint, rollbackReport } from './provision-format';
import { ProvisionPlanDetails, ProvisionPlanView } from './ProvisionPlanView';
import { ProvisionResultView, RollbackAlert } from './ProvisionResultView';
import { ProvisionStatusCard, RunLine } from './ProvisionStatusCard';
import { useProvisionPlan, type ApplyInput } from './useProvisionPlan';

/** Queries an apply or a push makes out of date: what runs on the host, its containers, its applies. */
const AFFECTED = ['provision.status', 'provision.runs', 'docker.containers'];

/**
 * Provisioning one host from a signed offline bundle: push the bundle, plan (what each service's container becomes),
 * apply through a confirmed plan with progress, and see the outcome, the checks from outside and what runs now.
 */
export function ProvisionPage({ host }: { host: string }) {
  const queryClient = useQueryClient();
  const hostQuery = useCopperQuery('inventory.hosts.get', { name: host }, { staleTime: 0 });
  const status = useCopperQuery('provision.status', { host }, { staleTime: 0 });
  const runs = useCopperQuery('provision.runs', { host, limit: 10 }, { staleTime: 0 });
  const preview = useProvisionPlan();
  const apply = useCommand();
  const [path, setPath] = useState('');
  const [fromPath, setFromPath] = useState(false);
  const [result, setResult] = useState<ProvisionResult | null>(null);

  const input: ApplyInput = fromPath && path.trim() ? { host, bundle: path.trim() } : { host };
  const plan = preview.plan;
  const blocker = plan ? applyBlocker(plan) : null;
  // A failure while the apply executed (the dialog had a plan): it stays on the page after the dialog is closed.
  const applyError = apply.state.step === 'failed' && apply.state.plan !== null ? apply.state.error : null;
  const rollback = rollbackReport(applyError);
  const hint = applyErrorHint(applyError ?? preview.error);

  const refreshAll = async () => {
    await Promise.all(AFFECTED.map((name) => queryClient.invalidateQueries({ queryKey: [name], exact: false })));
  };

  const runPlan = async () => {
    setResult(null);
    await preview.run(input);
  };

  const runApply = async () => {
    setResult(null);
    const outcome = await apply.run('provision.apply', input, {
      success: (output) => (output.outcome === 'applied' ? `Applied ${output.stackVersion} to ${output.host}` : `${output.host} already runs ${output.stackVersion}`),
    });
    if (outcome.ok) {
      setResult(outcome.output);
      preview.reset();
    }
    await refreshAll();
  };

  return (
    <>
      <Stack gap={6} mb="lg">
        <Anchor href={hostHref(host)} size="sm" w="fit-content">
          <Group gap={4} wrap="nowrap">
            <IconArrowLeft size={14} aria-hidden /> {host}
          </Group>
        </Anchor>
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="md">
          <Stack gap={4}>
            <Group gap="sm">
              <Title order={2} tabIndex={-1} data-page-title style={{ outline: 'none' }}>
                {`Provisioning of ${host}`}
              </Title>
              {hostQuery.data && (
                <Badge variant="light" color={hostQuery.data.mode === 'docker' ? 'blue' : 'gray'} radius="sm" tt="none">
                  {hostQuery.data.mode === 'docker' ? 'Docker mode' : 'Native mode'}
                </Badge>
              )}
            </Group>
            <Text size="sm" c="dimmed">
              Bring the host to the stack of a signed offline bundle: push it, read the plan, apply it. Containers are replaced
              one by one, checked from outside, and rolled back if a check fails.
            </Text>
          </Stack>
          <Button variant="default" leftSection={<IconRefresh size={16} />} loading={status.isFetching} onClick={() => void refreshAll()}>
            Refresh
          </Button>
        </Group>
      </Stack>

      <Stack gap="lg">
        {hostQuery.error && <ErrorAlert error={hostQuery.error} title={`${host} cannot be shown`} />}
        {hostQuery.data && hostQuery.data.pinnedFingerprint === null && (
          <Alert color="orange" variant="light" icon={<IconInfoCircle size={20} />}>
            {`The host key of ${host} is not trusted yet: the console does not talk to it until then. Verify the key on the host page first.`}
          </Alert>
        )}

        <BundleCard host={host} pushed={status.data?.pushed} path={path} onPathChange={setPath} onPushed={() => void refreshAll().then(() => preview.reset())} />

        <Paper withBorder radius="md" p="lg" data-testid="provision-plan-card">
          <Group justify="space-between" mb="md" wrap="wrap" gap="sm">
            <Title order={3} size="h4">
              Plan
            </Title>
            <Group gap="sm">
              {preview.running && (
                <Button variant="default" leftSection={<IconPlayerStop size={16} />} onClick={preview.cancel}>
                  Cancel
                </Button>
              )}
              <Button variant="default" leftSection={<IconListCheck size={16} />} onClick={() => void runPlan()} loading={preview.running}>
                Plan
              </Button>
              <Button
                leftSection={<IconPlayerPlay size={16} />}
                onClick={() => void runApply()}
                loading={apply.planning || (apply.opened && apply.state.step === 'executing')}
                disabled={plan === null || blocker !== null || preview.running}
                title={plan === null ? 'Plan first: read what the apply will do' : (blocker ?? undefined)}
              >
                Apply
              </Button>
            </Group>
          </Group>
          <Stack gap="md">
            <Checkbox
              label="Plan from the bundle at the path above (on this machine) instead of the one last pushed to the host"
              checked={fromPath}
              onChange={(event) => {
                setFromPath(event.currentTarget.checked);
                preview.reset();
              }}
              disabled={!path.trim()}
            />
            {preview.running && (
              <Group gap="xs" role="status">
                <Loader size="xs" />
                <Text size="sm">{`Comparing the bundle with what runs on ${host}…`}</Text>
              </Group>
            )}
            {preview.error !== null && <ErrorAlert error={preview.error} title="The apply cannot be planned" />}
            {plan ? (
              <>
                <ProvisionPlanView plan={plan} />
                {blocker && (
                  <Text size="sm" c="dimmed" data-testid="provision-apply-blocked">
                    {blocker}
                  </Text>
                )}
              </>
            ) : (
              !preview.running &&
              preview.error === null && (
                <Text size="sm" c="dimmed" data-testid="provision-no-plan">
                  Plan to see what an apply would do to each service. Planning changes nothing.
                </Text>
              )
            )}
          </Stack>
        </Paper>

        {rollback ? (
          <RollbackAlert report={rollback} />
        ) : applyError ? (
          <ErrorAlert error={applyError} title={`The apply to ${host} failed`} />
        ) : null}
        {hint && !rollback && (
          <Alert color="blue" variant="light" icon={<IconInfoCircle size={20} />} data-testid="provision-hint">
            {hint}
          </Alert>
        )}
        {result && <ProvisionResultView result={result} />}

        <ProvisionStatusCard host={host} status={status.data} error={status.error} />

        {runs.data && runs.data.runs.length > 1 && (
          <Paper withBorder radius="md" p="lg" data-testid="provision-runs">
            <Title order={3} size="h4" mb="md">
              Earlier applies
            </Title>
            <Stack gap={6}>
              {runs.data.runs.slice(1).map((run) => (
                <RunLine key={run.id} run={run} />
              ))}
            </Stack>
          </Paper>
        )}
      </Stack>
      <PlanDialog controller={apply} details={(planned) => <ProvisionPlanDetails plan={planned} />} />
    </>
  );
}
