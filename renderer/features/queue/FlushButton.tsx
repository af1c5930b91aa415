import { Button } from '@mantine/core';
import { IconSend } from '@tabler/icons-react';
import { useCommand } from '../../api/useCommand';
import { PlanDialog } from '../../components/PlanDialog';
import { formatCount } from './format';

/** `postqueue -f` through the plan dialog: every deferred message is tried again now. */
export function FlushButton({ host, onDone }: { host: string; onDone: () => void }) {
  const command = useCommand();
  const flush = async () => {
    const outcome = await command.run('queue.flush', { host }, {
      success: (output) => `Asked Postfix to retry ${formatCount(output.requested)} deferred; ${formatCount(output.stillQueued)} still queued`,
    });
    if (outcome.ok) onDone();
  };
  return (
    <>
      <Button variant="default" leftSection={<IconSend size={16} />} onClick={() => void flush()} loading={command.planning}>
        Flush queue
      </Button>
      <PlanDialog controller={command} />
    </>
  );
}
