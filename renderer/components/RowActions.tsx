import { ActionIcon, Group, Tooltip } from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';

/** Edit and delete buttons at the end of an inventory row; the labels name the row so screen readers and tests can find them. */
export function RowActions(props: {
  kind: string;
  name: string;
  editTooltip?: string;
  deleting: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <Group gap={4} justify="flex-end" wrap="nowrap">
      <Tooltip label={props.editTooltip ?? `Edit ${props.kind}`}>
        <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${props.kind} ${props.name}`} onClick={props.onEdit}>
          <IconPencil size={18} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label={`Delete ${props.kind}`}>
        <ActionIcon variant="subtle" color="red" aria-label={`Delete ${props.kind} ${props.name}`} loading={props.deleting} onClick={props.onDelete}>
          <IconTrash size={18} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}
