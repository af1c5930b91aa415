import { useState, type FormEvent } from 'react';
import { Button, Group, MultiSelect, Paper, SimpleGrid, TextInput } from '@mantine/core';
import { IconFilter, IconFilterOff } from '@tabler/icons-react';
import { QUEUE_NAMES, type QueueFilter } from '../../../shared/contract';
import { emptyFilterForm, filterToForm, formToFilter, isEmptyFilter, type FilterErrors, type FilterForm } from './filter-form';

/**
 * Which messages the table lists (and "select all matching" acts on). The fields are kept as typed until Apply, so a
 * half-typed value never reloads 100,000 rows; the applied filter is what the page holds.
 */
export function QueueFilterBar({ applied, onApply }: { applied: QueueFilter; onApply: (filter: QueueFilter) => void }) {
  const [form, setForm] = useState<FilterForm>(() => filterToForm(applied));
  const [errors, setErrors] = useState<FilterErrors>({});
  // A filter applied from elsewhere (a heatmap cell) replaces what is typed here.
  const [shownFilter, setShownFilter] = useState(applied);
  if (shownFilter !== applied) {
    setShownFilter(applied);
    setForm(filterToForm(applied));
    setErrors({});
  }

  const set = <K extends keyof FilterForm>(field: K, value: FilterForm[K]) => {
    setForm((current) => ({ ...current, [field]: value }));
    if (errors[field]) setErrors((current) => ({ ...current, [field]: undefined }));
  };
  const text = (field: Exclude<keyof FilterForm, 'queues'>, label: string, placeholder: string) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={form[field]}
      error={errors[field]}
      onChange={(event) => set(field, event.currentTarget.value)}
      spellCheck={false}
      autoComplete="off"
    />
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const result = formToFilter(form);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    onApply(result.filter);
  };
  const clear = () => {
    setForm(emptyFilterForm);
    setErrors({});
    if (!isEmptyFilter(applied)) onApply({});
  };

  return (
    <Paper withBorder radius="md" p="md" component="form" onSubmit={apply} aria-label="Filter messages" data-testid="queue-filter">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3, lg: 5 }} spacing="sm" verticalSpacing="xs">
        <MultiSelect
          label="Queues"
          placeholder={form.queues.length ? undefined : 'all'}
          data={QUEUE_NAMES.map((queue) => ({ value: queue, label: queue }))}
          value={form.queues}
          onChange={(value) => set('queues', value as FilterForm['queues'])}
          clearable
          comboboxProps={{ withinPortal: true }}
        />
        {text('sender', 'Sender', 'news@shop.example, *@spam.test')}
        {text('recipient', 'Recipient', 'bob@, *@bigmail.example')}
        {text('domain', 'Domain', 'bigmail.example')}
        {text('reason', 'Reason contains', 'Connection refused')}
        {text('olderThan', 'Older than', '30m, 2h, 1d')}
        {text('youngerThan', 'Younger than', '1d')}
        {text('minSize', 'Min size', '20K')}
        {text('maxSize', 'Max size', '5M')}
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <Button type="submit" leftSection={<IconFilter size={16} />}>
            Apply
          </Button>
          <Button variant="default" leftSection={<IconFilterOff size={16} />} onClick={clear}>
            Clear
          </Button>
        </Group>
      </SimpleGrid>
    </Paper>
  );
}
