import type { ReactNode } from 'react';
import { Alert, Badge, Button, Group, List, Loader, Modal, Progress as ProgressBar, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconInfoCircle, IconPencil, IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import type { BasicPlan, PlannedChange, Progress } from '../../shared/contract';
import type { CommandController } from '../api/useCommand';
import { ErrorAlert } from './ErrorAlert';

const actions: Record<PlannedChange['action'], { label: string; color: string; icon: typeof IconPlus }> = {
  create: { label: 'Add', color: 'teal', icon: IconPlus },
  update: { label: 'Change', color: 'blue', icon: IconPencil },
  delete: { label: 'Remove', color: 'red', icon: IconTrash },
  keep: { label: 'Keep', color: 'gray', icon: IconCheck },
};

function ChangeRow({ change }: { change: PlannedChange }) {
  const look = actions[change.action];
  const Icon = look.icon;
  return (
    <Group wrap="nowrap" align="flex-start" gap="sm" data-testid="plan-change" data-action={change.action}>
      <ThemeIcon color={look.color} variant="light" size="md" radius="sm" aria-hidden>
        <Icon size={16} />
      </ThemeIcon>
      <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
        <Group gap="xs" wrap="nowrap">
          <Badge color={look.color} variant="light" size="sm" radius="sm">
            {look.label}
          </Badge>
          <Text fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
            {change.target}
          </Text>
        </Group>
        {change.detail && (
          <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {change.detail}
          </Text>
        )}
      </Stack>
    </Group>
  );
}

function PlanBody({ plan }: { plan: BasicPlan }) {
  if (plan.changes.length === 0) {
    return (
      <Alert color="gray" variant="light" icon={<IconInfoCircle size={20} />} title="Nothing to change">
        Everything is already as requested.
      </Alert>
    );
  }
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {plan.changes.length === 1 ? 'This change will be made:' : `These ${plan.changes.length} changes will be made:`}
      </Text>
      <Stack gap="xs" data-testid="plan-changes">
        {plan.changes.map((change, index) => (
          <ChangeRow key={index} change={change} />
        ))}
      </Stack>
      {plan.warnings.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={20} />} title="Read before you confirm" data-testid="plan-warnings">
          {plan.warnings.length === 1 ? (
            <Text size="sm">{plan.warnings[0]}</Text>
          ) : (
            <List size="sm">
              {plan.warnings.map((warning, index) => (
                <List.Item key={index}>{warning}</List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </Stack>
  );
}

/** The step a command reports while it executes (provisioning: "creating copper-mail", 3 of 7), as text. */
function ExecutingProgress({ progress }: { progress: Progress }) {
  const percent = progress.total ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : null;
  return (
    <Stack gap={4} role="status" data-testid="plan-progress" data-step={progress.step}>
      {percent === null ? (
        <Group gap="xs" wrap="nowrap">
          <Loader size="xs" />
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {progress.message}
          </Text>
        </Group>
      ) : (
        <>
          <ProgressBar value={percent} animated aria-label="Progress of the change" />
          <Group justify="space-between" gap="sm" wrap="nowrap">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {progress.message}
            </Text>
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {`${progress.done} of ${progress.total}`}
            </Text>
          </Group>
        </>
      )}
    </Stack>
  );
}

/**
 * Shows what a command will change and asks for a confirmation that names it. A destructive plan gets a red button
 * labelled with the action ("Delete site hq") and the focus starts on Cancel, so Enter alone never destroys anything.
 */
export function PlanDialog({
  controller,
  details,
}: {
  controller: CommandController;
  /** What this command's plan says beyond the common shape, shown under the changes (e.g. the key about to be pinned). */
  details?: (plan: BasicPlan) => ReactNode;
}) {
  const { state, opened, planning } = controller;
  const plan = state.step === 'idle' ? null : state.plan;
  const title = state.step === 'failed' && !plan ? 'This cannot be done' : (plan?.summary ?? 'Review the change');
  const executing = state.step === 'executing';
  const nothing = plan !== null && plan.changes.length === 0;
  // A destructive plan that removes nothing (trusting a key, restarting a service) is a risk to weigh, not a deletion.
  const ConfirmIcon = plan?.destructive ? (plan.changes.some((c) => c.action === 'delete') ? IconTrash : IconAlertTriangle) : IconCheck;

  return (
    <Modal
      opened={opened}
      onClose={controller.dismiss}
      title={title}
      size="lg"
      centered
      closeOnClickOutside={!executing}
      closeButtonProps={{ 'aria-label': 'Close' }}
      data-testid="plan-dialog"
      styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)', overflowWrap: 'anywhere' } }}
    >
      <Stack gap="md">
        {state.step === 'review' && state.replanned && (
          <Alert color="yellow" variant="light" icon={<IconRefresh size={20} />} title="The situation changed" data-testid="plan-changed">
            Something changed since the plan was shown, so nothing was done. This is the new plan: review it and confirm again.
          </Alert>
        )}
        {state.step === 'failed' && <ErrorAlert error={state.error} />}
        {plan && <PlanBody plan={plan} />}
        {plan && plan.changes.length > 0 && details?.(plan)}
        {state.step === 'executing' && state.progress && <ExecutingProgress progress={state.progress} />}
        {planning && (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm">Preparing the plan…</Text>
          </Group>
        )}
        <Group justify="flex-end" gap="sm" mt="xs">
          {state.step === 'failed' ? (
            <>
              <Button variant="default" onClick={controller.retry} loading={planning} leftSection={<IconRefresh size={16} />}>
                Plan again
              </Button>
              <Button onClick={controller.dismiss} data-autofocus>
                Close
              </Button>
            </>
          ) : nothing ? (
            <Button onClick={controller.dismiss} data-autofocus>
              Close
            </Button>
          ) : (
            <>
              <Button variant="default" onClick={controller.dismiss} disabled={executing} {...(plan?.destructive ? { 'data-autofocus': true } : {})}>
                Cancel
              </Button>
              <Button
                color={plan?.destructive ? 'red' : undefined}
                leftSection={<ConfirmIcon size={16} />}
                onClick={controller.confirm}
                loading={executing}
                disabled={planning}
                data-testid="plan-confirm"
                {...(plan?.destructive ? {} : { 'data-autofocus': true })}
              >
                {plan?.summary ?? 'Confirm'}
              </Button>
            </>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
