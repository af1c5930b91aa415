import { Alert, Badge, Group, List, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconKey, IconPackageImport, IconRecycle } from '@tabler/icons-react';
import { ProvisionPlan, type BasicPlan } from '../../../shared/contract';
import { ServerText } from '../queue/ServerText';
import { ACTION_LOOK, planCounts } from './provision-format';

/** The plan of an apply as terraform shows one: each service with what happens to it, why, and what is checked after. */
export function ProvisionPlanView({ plan, compact = false }: { plan: ProvisionPlan; compact?: boolean }) {
  const { bundle } = plan;
  return (
    <Stack gap="sm" data-testid="provision-plan" data-unchanged={plan.unchanged}>
      {!compact && (
        <Text size="sm" data-testid="provision-plan-summary">
          {`Bundle ${bundle.stackName} ${bundle.stackVersion} (${bundle.source === 'pushed' ? 'last pushed to the host' : `read from ${bundle.path ?? 'a path'}`})`}
          {plan.currentVersion ? `, replacing what runs from ${plan.currentVersion}` : ', on a host the console never provisioned'}
          {`: ${planCounts(plan.services)}.`}
        </Text>
      )}

      {!compact && plan.missingImages.length > 0 && (
        <Alert color="red" variant="light" icon={<IconPackageImport size={20} />} title="Images missing on the host: apply is blocked" data-testid="provision-missing-images">
          <Stack gap={4}>
            <Text size="sm">The host&apos;s Docker engine lacks these images of the bundle. Push the bundle to the host, then plan again.</Text>
            <List size="sm">
              {plan.missingImages.map((image) => (
                <List.Item key={image.id}>
                  <Text span size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {`${image.reference} (${image.id.slice(0, 19)}…)`}
                  </Text>
                </List.Item>
              ))}
            </List>
          </Stack>
        </Alert>
      )}

      {!compact && plan.leftovers.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconRecycle size={20} />} title="Left over from an interrupted apply" data-testid="provision-leftovers">
          <Text size="sm">Apply settles these containers first (the interrupted apply never finished):</Text>
          <List size="sm">
            {plan.leftovers.map((name) => (
              <List.Item key={name}>
                <ServerText text={name} />
              </List.Item>
            ))}
          </List>
        </Alert>
      )}

      <Table.ScrollContainer minWidth={compact ? 480 : 860} type="native">
        <Table withTableBorder verticalSpacing={compact ? 4 : 'xs'} aria-label="Services in the plan" data-testid="provision-plan-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Service</Table.Th>
              {!compact && <Table.Th>Container</Table.Th>}
              <Table.Th>Action</Table.Th>
              {!compact && <Table.Th>Why</Table.Th>}
              <Table.Th>Checked from outside</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {plan.services.map((service) => {
              const look = ACTION_LOOK[service.action];
              return (
                <Table.Tr key={service.service} data-testid={`provision-plan-${service.service}`} data-action={service.action}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {service.service}
                    </Text>
                    {!compact && (
                      <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {service.image.reference}
                      </Text>
                    )}
                  </Table.Td>
                  {!compact && (
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {service.container}
                      </Text>
                    </Table.Td>
                  )}
                  <Table.Td>
                    <Tooltip label={look.hint} multiline w={260}>
                      <Badge color={look.color} variant="light" radius="sm" tt="none" data-testid="provision-action" tabIndex={0}>
                        {look.label}
                      </Badge>
                    </Tooltip>
                  </Table.Td>
                  {!compact && (
                    <Table.Td>
                      {service.reasons.length === 0 ? (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      ) : (
                        <Stack gap={2}>
                          {service.reasons.map((reason, index) => (
                            <Text key={index} size="sm" style={{ overflowWrap: 'anywhere' }}>
                              <ServerText text={reason} />
                            </Text>
                          ))}
                        </Stack>
                      )}
                    </Table.Td>
                  )}
                  <Table.Td>
                    {service.checks.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        none
                      </Text>
                    ) : (
                      <Stack gap={2}>
                        {service.checks.map((check, index) => (
                          <Text key={index} size="sm" ff="monospace">
                            <ServerText text={check} />
                          </Text>
                        ))}
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      {!compact && plan.volumesToCreate.length > 0 && (
        <Text size="sm" data-testid="provision-volumes">
          {`Volumes to create: ${plan.volumesToCreate.join(', ')}.`}
        </Text>
      )}

      {plan.secretsToGenerate.length > 0 && (
        <Alert color="blue" variant="light" icon={<IconKey size={20} />} title="Secrets generated on apply" data-testid="provision-secrets">
          <Group gap={6} mb={4}>
            {plan.secretsToGenerate.map((name) => (
              <Badge key={name} variant="outline" color="blue" radius="sm" tt="none" ff="monospace">
                {name}
              </Badge>
            ))}
          </Group>
          <Text size="sm">
            Their values are generated into the console&apos;s secret vault and handed to the containers; they are never shown here,
            written to the audit trail or logged.
          </Text>
        </Alert>
      )}

      {!compact && plan.warnings.length > 0 && (
        <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={20} />} title="Read before you apply" data-testid="provision-warnings">
          <List size="sm">
            {plan.warnings.map((warning, index) => (
              <List.Item key={index}>
                <ServerText text={warning} />
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
    </Stack>
  );
}

/** The apply plan's own fields in the confirmation dialog, under the changes and warnings every plan has. */
export function ProvisionPlanDetails({ plan }: { plan: BasicPlan }) {
  const parsed = ProvisionPlan.safeParse(plan);
  if (!parsed.success) return null;
  return <ProvisionPlanView plan={parsed.data} compact />;
}
