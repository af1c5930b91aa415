import { Anchor, Badge, Tooltip } from '@mantine/core';
import { IconCertificate } from '@tabler/icons-react';
import { useCopperQuery } from '../../api/client-context';
import { tlsHostHref } from '../../router';
import { daysText, LEVEL_LOOK } from './tls-format';

/**
 * A host's certificate state from the console's records (no server is contacted). In the fleet overview only what
 * needs the operator (30/14/7-day warnings, expired, an interrupted deployment) is shown; the host page always shows it.
 */
export function TlsExpiryBadge({ host, always = false }: { host: string; always?: boolean }) {
  const status = useCopperQuery('tls.status', {}, { staleTime: 30_000 });
  const mine = status.data?.hosts.find((h) => h.host.toLowerCase() === host.toLowerCase());
  if (!mine) return null;
  const needsAttention = mine.level !== 'ok' && mine.level !== 'none';
  if (!always && !needsAttention && !mine.interrupted) return null;
  const look = LEVEL_LOOK[mine.level];
  const text = mine.interrupted ? 'TLS deployment interrupted' : mine.level === 'none' ? 'TLS: none deployed' : `TLS ${look.label}${mine.level === 'expired' ? '' : ` · ${daysText(mine.daysLeft)}`}`;
  return (
    <Tooltip label={mine.deployed ? `Deployed certificate valid until ${mine.deployed.notAfter.slice(0, 10)}` : 'The console has not deployed a certificate to this host'}>
      <Anchor href={tlsHostHref(mine.host)} underline="never" aria-label={`TLS certificate of ${mine.host}: ${text}`}>
        <Badge color={mine.interrupted ? 'red' : look.color} variant="light" radius="sm" tt="none" leftSection={<IconCertificate size={12} />} data-testid="tls-badge" data-level={mine.level}>
          {text}
        </Badge>
      </Anchor>
    </Tooltip>
  );
}
