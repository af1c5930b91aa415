import { useId, useState } from 'react';
import { Group, Paper, SegmentedControl, Table, Text, Title } from '@mantine/core';
import type { QueueFilter, QueueShape } from '../../../shared/contract';
import { visibleText } from '../fleet/visible-text';
import { AGE_BUCKET_LABELS, ageBucketFilter, ageBucketWords } from './filter-form';
import { formatCount } from './format';
import { ServerText } from './ServerText';
import './queue.css';

type Side = 'recipients' | 'senders';

/**
 * Shade by the square root of the share of the largest cell: a queue is usually one hot domain and a long tail, and a
 * linear scale would leave the tail invisible.
 */
function shade(count: number, max: number): { background?: string; color?: string } {
  if (count <= 0 || max <= 0) return {};
  const strength = Math.round(10 + 70 * Math.sqrt(count / max));
  return {
    background: `color-mix(in srgb, var(--mantine-color-orange-6) ${strength}%, transparent)`,
    ...(strength > 50 ? { color: 'var(--mantine-color-white)' } : {}),
  };
}

/** A domain usable as a filter: the contract's pattern rules (1–256 characters), wildcards not special-cased. */
const filterable = (domain: string) => domain.trim().length > 0 && domain.trim().length <= 256;

function Cell({
  count,
  max,
  label,
  onPick,
}: {
  count: number;
  max: number;
  label: string;
  onPick: (() => void) | undefined;
}) {
  const look = shade(count, max);
  const text = count === 0 ? '·' : formatCount(count);
  if (onPick && count > 0) {
    return (
      <button type="button" className="copper-heat-cell" style={look} onClick={onPick} aria-label={label} title={label}>
        {text}
      </button>
    );
  }
  return (
    <span className="copper-heat-cell" style={{ ...look, ...(count === 0 ? { color: 'var(--mantine-color-dimmed)' } : {}) }}>
      {text}
    </span>
  );
}

/**
 * qshape's picture of a queue as an accessible table: one row per domain, one column per age bucket, each cell the
 * count, shaded by size. With `onPick`, a cell filters the message table to that domain and age range.
 */
export function QueueHeatmap({
  recipientDomains,
  senderDomains,
  onPick,
}: {
  recipientDomains: QueueShape;
  senderDomains: QueueShape;
  onPick?: (filter: QueueFilter) => void;
}) {
  const [side, setSide] = useState<Side>('recipients');
  const captionId = useId();
  const shape = side === 'recipients' ? recipientDomains : senderDomains;
  const counted = shape.counting === 'recipients' ? 'recipients' : 'messages';
  const direction = side === 'recipients' ? 'to' : 'from';
  const max = Math.max(0, ...shape.rows.flatMap((row) => row.buckets));
  const empty = shape.rows.length === 0 && shape.others.total === 0;

  const pick = (domain: string, bucket: number | null) =>
    onPick && filterable(domain) ? () => onPick({ domain: domain.trim(), ...(bucket === null ? {} : ageBucketFilter(bucket)) }) : undefined;

  return (
    <Paper withBorder radius="md" p="lg" data-testid="queue-heatmap" data-side={side}>
      <Group justify="space-between" mb="sm" wrap="wrap" gap="sm">
        <Title order={3} size="h4">
          Age × domain
        </Title>
        <SegmentedControl
          size="xs"
          value={side}
          onChange={(value) => setSide(value as Side)}
          data={[
            { value: 'recipients', label: 'Recipient domains' },
            { value: 'senders', label: 'Sender domains' },
          ]}
          aria-label="Domains to show"
        />
      </Group>
      <Text size="sm" c="dimmed" mb="xs" id={captionId}>
        {`${counted === 'recipients' ? 'Recipients' : 'Messages'} per ${side === 'recipients' ? 'recipient' : 'sender'} domain and age (minutes since arrival), as qshape counts them.${onPick ? ' Choose a number to list those messages.' : ''}`}
      </Text>
      {empty ? (
        <Text size="sm" c="dimmed" data-testid="queue-heatmap-empty">
          Nothing queued.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720} type="native">
          <Table horizontalSpacing={4} verticalSpacing={2} withRowBorders={false} fz="sm" aria-labelledby={captionId}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Domain</Table.Th>
                <Table.Th scope="col" ta="right">
                  Total
                </Table.Th>
                {AGE_BUCKET_LABELS.map((label) => (
                  <Table.Th key={label} scope="col" ta="right" style={{ whiteSpace: 'nowrap' }}>
                    {label}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shape.rows.map((row, rowIndex) => {
                const domain = visibleText(row.domain);
                return (
                  <Table.Tr key={rowIndex} data-testid="heatmap-row" data-domain={row.domain}>
                    <Table.Th scope="row" fw={500} maw={280} title={domain} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {row.domain === '' ? <Text span c="dimmed" size="sm">(none)</Text> : <ServerText text={row.domain} />}
                    </Table.Th>
                    <Table.Td ta="right" fw={600}>
                      <Cell count={row.total} max={0} label={`All ${formatCount(row.total)} ${counted} ${direction} ${domain}: list these messages`} onPick={pick(row.domain, null)} />
                    </Table.Td>
                    {AGE_BUCKET_LABELS.map((_, bucket) => {
                      const count = row.buckets[bucket] ?? 0;
                      return (
                        <Table.Td key={bucket} p={1}>
                          <Cell
                            count={count}
                            max={max}
                            label={`${formatCount(count)} ${counted} ${direction} ${domain} ${ageBucketWords(bucket)}: list these messages`}
                            onPick={pick(row.domain, bucket)}
                          />
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                );
              })}
              {shape.others.total > 0 && (
                <Table.Tr data-testid="heatmap-others">
                  <Table.Th scope="row" fw={500} c="dimmed">
                    {`others (${formatCount(shape.others.domains)} domain${shape.others.domains === 1 ? '' : 's'})`}
                  </Table.Th>
                  <Table.Td ta="right" fw={600}>
                    <Cell count={shape.others.total} max={0} label="" onPick={undefined} />
                  </Table.Td>
                  {AGE_BUCKET_LABELS.map((_, bucket) => (
                    <Table.Td key={bucket} p={1}>
                      <Cell count={shape.others.buckets[bucket] ?? 0} max={max} label="" onPick={undefined} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
