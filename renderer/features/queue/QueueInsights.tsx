import { Grid } from '@mantine/core';
import type { QueueFilter, QueueSummary } from '../../../shared/contract';
import { QueueHeatmap } from './QueueHeatmap';
import { QueueReasons } from './QueueReasons';
import { QueueTopSenders } from './QueueTopSenders';

type Insights = Pick<QueueSummary, 'recipientDomains' | 'senderDomains' | 'reasons' | 'topSenders'>;

/** What a summary explains — age × domain heatmap, deferral causes, top senders — the same for one host and the fleet. */
export function QueueInsights({ summary, onPick }: { summary: Insights; onPick: (filter: QueueFilter) => void }) {
  return (
    <>
      <QueueHeatmap recipientDomains={summary.recipientDomains} senderDomains={summary.senderDomains} onPick={onPick} />
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <QueueReasons reasons={summary.reasons} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <QueueTopSenders senders={summary.topSenders} />
        </Grid.Col>
      </Grid>
    </>
  );
}
