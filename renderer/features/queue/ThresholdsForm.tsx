import { useState, type FormEvent } from 'react';
import { Badge, Button, Collapse, Group, NumberInput, Paper, SimpleGrid, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconChevronDown, IconChevronRight, IconDeviceFloppy, IconRestore } from '@tabler/icons-react';
import { DEFAULT_QUEUE_THRESHOLDS, QueueThresholds } from '../../../shared/contract';
import { queryKey, useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';
import { formatBytes } from '../fleet/format';
import { formatDuration, parseDuration } from '../../../shared/duration';
import { formatSizeInput, parseSize } from './filter-form';
import { formatCount } from './format';

interface Form {
  totalBytes: string;
  deferredMessages: number | string;
  growthPerMinute: number | string;
  oldestAge: string;
}

type Errors = Partial<Record<keyof Form, string>>;

const toForm = (thresholds: QueueThresholds): Form => ({
  totalBytes: formatSizeInput(thresholds.totalBytes),
  deferredMessages: thresholds.deferredMessages,
  growthPerMinute: thresholds.growthPerMinute,
  oldestAge: formatDuration(thresholds.oldestAgeSeconds),
});

function fromForm(form: Form): { ok: true; thresholds: QueueThresholds } | { ok: false; errors: Errors } {
  const errors: Errors = {};
  const bytes = parseSize(form.totalBytes);
  if (!bytes.ok) errors.totalBytes = bytes.message;
  const age = parseDuration(form.oldestAge);
  if (!age.ok) errors.oldestAge = age.message;
  const whole = (value: number | string, field: 'deferredMessages' | 'growthPerMinute') => {
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 1) errors[field] = 'Enter a whole number of at least 1.';
    return n;
  };
  const candidate = {
    totalBytes: bytes.ok ? bytes.value : 0,
    deferredMessages: whole(form.deferredMessages, 'deferredMessages'),
    growthPerMinute: whole(form.growthPerMinute, 'growthPerMinute'),
    oldestAgeSeconds: age.ok ? age.value : 0,
  };
  if (bytes.ok && bytes.value < 1) errors.totalBytes = 'Enter a size above zero.';
  if (age.ok && age.value < 1) errors.oldestAge = 'Enter an age above zero.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = QueueThresholds.safeParse(candidate);
  return parsed.success ? { ok: true, thresholds: parsed.data } : { ok: false, errors: { totalBytes: parsed.error.issues[0]?.message ?? 'Not valid.' } };
}

const defaultsInWords =
  `Defaults: ${formatBytes(DEFAULT_QUEUE_THRESHOLDS.totalBytes)} in all queues, ${formatCount(DEFAULT_QUEUE_THRESHOLDS.deferredMessages)} deferred, ` +
  `+${formatCount(DEFAULT_QUEUE_THRESHOLDS.growthPerMinute)} per minute, oldest ${formatDuration(DEFAULT_QUEUE_THRESHOLDS.oldestAgeSeconds)}.`;

/** A host's queue alert thresholds: changed (or put back to the defaults) through the plan dialog like any change. */
export function ThresholdsForm({ host, onSaved }: { host: string; onSaved: () => void }) {
  const [open, setOpen] = useState(false);
  const current = useCopperQuery('queue.thresholds', { host }, { enabled: open });
  const queryClient = useQueryClient();
  const command = useCommand();
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  // The form starts from what the core has, and again after every save.
  const [loadedFrom, setLoadedFrom] = useState<unknown>(null);
  if (current.data && current.data !== loadedFrom) {
    setLoadedFrom(current.data);
    setForm(toForm(current.data.thresholds));
    setErrors({});
  }

  const save = async (thresholds: QueueThresholds | null) => {
    const outcome = await command.run('queue.setThresholds', { host, thresholds }, {
      success: (output) => (output.isDefault ? `Alert thresholds of ${host} are the defaults again` : `Saved the alert thresholds of ${host}`),
    });
    if (!outcome.ok) return;
    queryClient.setQueryData(queryKey('queue.thresholds', { host }), outcome.output);
    onSaved();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    const result = fromForm(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    void save(result.thresholds);
  };
  const set = <K extends keyof Form>(field: K, value: Form[K]) => {
    setForm((previous) => (previous ? { ...previous, [field]: value } : previous));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
  };

  return (
    <Paper withBorder radius="md" p="lg" data-testid="queue-thresholds">
      <UnstyledButton onClick={() => setOpen((was) => !was)} aria-expanded={open} aria-controls="queue-thresholds-form" w="100%">
        <Group gap="xs">
          {open ? <IconChevronDown size={18} aria-hidden /> : <IconChevronRight size={18} aria-hidden />}
          <Title order={3} size="h4">
            Alert thresholds
          </Title>
          {current.data && (
            <Badge variant="light" color={current.data.isDefault ? 'gray' : 'blue'} radius="sm" tt="none">
              {current.data.isDefault ? 'defaults' : 'changed for this host'}
            </Badge>
          )}
        </Group>
      </UnstyledButton>
      <Collapse in={open} id="queue-thresholds-form">
        <Stack gap="sm" mt="md">
          <Text size="sm" c="dimmed">
            The queue page, the host page and the fleet overview show an alert when a read finds the queue above one of these. {defaultsInWords}
          </Text>
          {current.error && <ErrorAlert error={current.error} title="Could not read the thresholds" />}
          {form && (
            <form onSubmit={submit} aria-label="Alert thresholds">
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
                <TextInput
                  label="Size of all queues"
                  description="e.g. 512M, 2G"
                  value={form.totalBytes}
                  error={errors.totalBytes}
                  onChange={(event) => set('totalBytes', event.currentTarget.value)}
                />
                <NumberInput
                  label="Deferred messages"
                  description="messages waiting to be retried"
                  value={form.deferredMessages}
                  error={errors.deferredMessages}
                  onChange={(value) => set('deferredMessages', value)}
                  min={1}
                  allowDecimal={false}
                  allowNegative={false}
                  thousandSeparator=","
                />
                <NumberInput
                  label="Growth per minute"
                  description="messages, between two reads"
                  value={form.growthPerMinute}
                  error={errors.growthPerMinute}
                  onChange={(value) => set('growthPerMinute', value)}
                  min={1}
                  allowDecimal={false}
                  allowNegative={false}
                  thousandSeparator=","
                />
                <TextInput
                  label="Oldest message"
                  description="e.g. 12h, 1d"
                  value={form.oldestAge}
                  error={errors.oldestAge}
                  onChange={(event) => set('oldestAge', event.currentTarget.value)}
                />
              </SimpleGrid>
              <Group gap="sm" mt="md">
                <Button type="submit" leftSection={<IconDeviceFloppy size={16} />} loading={command.planning}>
                  Save thresholds
                </Button>
                <Button
                  variant="default"
                  leftSection={<IconRestore size={16} />}
                  onClick={() => void save(null)}
                  disabled={current.data?.isDefault ?? true}
                >
                  Restore defaults
                </Button>
              </Group>
            </form>
          )}
        </Stack>
      </Collapse>
      <PlanDialog controller={command} />
    </Paper>
  );
}
