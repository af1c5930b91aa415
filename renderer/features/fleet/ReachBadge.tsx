import { Badge } from '@mantine/core';
import { IconCircleCheckFilled, IconCircleXFilled, IconKeyOff, IconAlertTriangleFilled, IconHelpCircleFilled } from '@tabler/icons-react';
import type { HostCheck } from '../../../shared/contract';
import { healthOf, type HostHealth } from './last-checks';

const looks: Record<HostHealth, { color: string; icon: typeof IconCircleCheckFilled }> = {
  ok: { color: 'teal', icon: IconCircleCheckFilled },
  warning: { color: 'yellow', icon: IconAlertTriangleFilled },
  key: { color: 'orange', icon: IconKeyOff },
  down: { color: 'red', icon: IconCircleXFilled },
  unknown: { color: 'gray', icon: IconHelpCircleFilled },
};

/** What the last check says about reaching a host: "reachable · 12 ms", "key not trusted", "unreachable", "not checked". */
export function reachLabel(check: HostCheck | undefined): string {
  if (!check) return 'not checked';
  if (check.error?.code === 'HOST_KEY_UNKNOWN') return 'key not trusted';
  if (check.error?.code === 'HOST_KEY_MISMATCH') return 'host key changed';
  if (!check.reachable) return 'unreachable';
  return check.latencyMs !== null ? `reachable · ${check.latencyMs} ms` : 'reachable';
}

export function ReachBadge({ check, size = 'md' }: { check: HostCheck | undefined; size?: 'sm' | 'md' }) {
  const health = healthOf(check);
  // Reachable with warnings is still reachable: the badge says so in yellow, the warnings say the rest.
  const look = looks[health];
  const Icon = look.icon;
  return (
    <Badge
      color={look.color}
      variant="light"
      radius="sm"
      tt="none"
      size={size}
      leftSection={<Icon size={12} aria-hidden />}
      data-testid="reach-badge"
      data-health={health}
      style={{ whiteSpace: 'nowrap' }}
    >
      {reachLabel(check)}
    </Badge>
  );
}
