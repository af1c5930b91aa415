import { useState, type FormEvent } from 'react';
import { ActionIcon, Alert, Button, Divider, Drawer, Group, Paper, Stack, Text, TextInput, Textarea, Title, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash, IconWorldWww } from '@tabler/icons-react';
import { DomainName, SiteCreateInput, SiteUpdateInput, type Site } from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand, type CommandController } from '../../api/useCommand';
import { errorAt, validate, type FieldErrors } from '../../api/validation';
import { PlanDialog } from '../../components/PlanDialog';

export type SiteDrawerState = { mode: 'create' } | { mode: 'edit'; name: string } | null;

/** Adds or edits a site; when editing, also its mail domains. Every change goes through the plan dialog. */
export function SiteDrawer({ state, onClose }: { state: SiteDrawerState; onClose: () => void }) {
  const command = useCommand();
  const all = useCopperQuery('inventory.sites.list', {}, { enabled: state !== null });
  const site = state?.mode === 'edit' ? all.data?.find((s) => s.name === state.name) : undefined;
  // Keep the last content while the drawer slides out.
  const [shown, setShown] = useState<SiteDrawerState>(state);
  if (state !== null && state !== shown) setShown(state);
  const current = state ?? shown;

  return (
    <>
      <Drawer
        opened={state !== null}
        onClose={onClose}
        position="right"
        size="lg"
        padding="lg"
        title={current?.mode === 'edit' ? `Edit site ${current.name}` : 'Add site'}
        // Escape belongs to the plan dialog while it is open, not to the drawer underneath.
        closeOnEscape={!command.opened}
        closeButtonProps={{ 'aria-label': 'Close' }}
        styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)' } }}
      >
        {current?.mode === 'create' && <SiteForm key="create" command={command} onDone={onClose} />}
        {current?.mode === 'edit' &&
          (site ? (
            <Stack gap="xl">
              <SiteForm key={`edit:${site.name}`} site={site} command={command} onDone={onClose} />
              <DomainsSection site={site} command={command} />
            </Stack>
          ) : all.isPending ? null : (
            <Alert color="yellow" title="This site is gone">
              Site {current.name} no longer exists: it was renamed or deleted, perhaps from another window.
            </Alert>
          ))}
      </Drawer>
      <PlanDialog controller={command} />
    </>
  );
}

function SiteForm({ site, command, onDone }: { site?: Site; command: CommandController; onDone: () => void }) {
  const [name, setName] = useState(site?.name ?? '');
  const [description, setDescription] = useState(site?.description ?? '');
  const [resolver, setResolver] = useState(site?.resolver ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitted, setSubmitted] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const fields = { name, description, resolver: resolver.trim() === '' ? null : resolver };
    if (site) {
      // Only what the operator changed, so an edit never silently undoes a change made meanwhile elsewhere.
      const set = {
        ...(fields.name.trim() !== site.name ? { name: fields.name } : {}),
        ...(fields.description !== site.description ? { description: fields.description } : {}),
        ...(fields.resolver?.trim() !== (site.resolver ?? undefined) ? { resolver: fields.resolver } : {}),
      };
      const checked = validate(SiteUpdateInput, { name: site.name, set });
      if (!checked.ok) return setErrors(checked.errors);
      setErrors({});
      setSubmitted(true);
      const outcome = await command.run('inventory.sites.update', checked.data);
      setSubmitted(false);
      if (outcome.ok) onDone();
    } else {
      const checked = validate(SiteCreateInput, fields);
      if (!checked.ok) return setErrors(checked.errors);
      setErrors({});
      setSubmitted(true);
      const outcome = await command.run('inventory.sites.create', checked.data);
      setSubmitted(false);
      if (outcome.ok) onDone();
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label={site ? `Edit site ${site.name}` : 'Add site'}>
      <Stack gap="md">
        <TextInput
          label="Name"
          description="Letters, digits, dots, dashes or underscores, e.g. hq or paris-dc1."
          required
          data-autofocus
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errorAt(errors, 'name', 'set.name')}
          autoComplete="off"
          spellCheck={false}
        />
        <TextInput
          label="Internal DNS resolver"
          description="An IP address with an optional port, e.g. 10.0.0.53 or 10.0.0.53:5353. Leave empty if not known yet."
          value={resolver}
          onChange={(e) => setResolver(e.currentTarget.value)}
          error={errorAt(errors, 'resolver', 'set.resolver')}
          autoComplete="off"
          spellCheck={false}
        />
        <Textarea
          label="Description"
          description="For the operators: where it is, who looks after it."
          autosize
          minRows={2}
          maxRows={6}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errorAt(errors, 'description', 'set.description')}
        />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={command.planning && submitted} leftSection={site ? undefined : <IconPlus size={16} />}>
            {site ? 'Review changes' : 'Add site'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DomainsSection({ site, command }: { site: Site; command: CommandController }) {
  const [domain, setDomain] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [submitted, setSubmitted] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const checked = DomainName.safeParse(domain);
    if (!checked.success) return setError(checked.error.issues[0]?.message ?? 'Enter a mail domain such as example.org.');
    setError(undefined);
    setSubmitted(true);
    const outcome = await command.run('inventory.domains.create', { name: checked.data, site: site.name });
    setSubmitted(false);
    if (outcome.ok) setDomain('');
  };

  return (
    <Stack gap="sm" data-testid="domains-section">
      <Divider />
      <Group gap="xs">
        <IconWorldWww size={18} aria-hidden />
        <Title order={3} size="h5">
          Mail domains
        </Title>
      </Group>
      <Text size="sm" c="dimmed">
        The mail domains this site serves. Removing one only makes the console forget it; no server or DNS record changes.
      </Text>
      {site.domains.length === 0 ? (
        <Text size="sm" c="dimmed" fs="italic">
          No mail domains yet.
        </Text>
      ) : (
        <Paper withBorder radius="md">
          <Stack gap={0}>
            {site.domains.map((name, index) => (
              <Group
                key={name}
                justify="space-between"
                px="md"
                py={6}
                wrap="nowrap"
                style={index > 0 ? { borderTop: '1px solid var(--mantine-color-default-border)' } : undefined}
                data-testid={`domain-${name}`}
              >
                <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {name}
                </Text>
                <Tooltip label="Remove domain">
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove domain ${name}`}
                    onClick={() => void command.run('inventory.domains.delete', { name })}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Tooltip>
              </Group>
            ))}
          </Stack>
        </Paper>
      )}
      <form onSubmit={(event) => void add(event)} noValidate aria-label="Add mail domain">
        <Group align="flex-start" gap="sm" wrap="nowrap">
          <TextInput
            label="New mail domain"
            placeholder="example.org"
            value={domain}
            onChange={(e) => setDomain(e.currentTarget.value)}
            error={error}
            style={{ flex: 1 }}
            autoComplete="off"
            spellCheck={false}
          />
          <Button type="submit" variant="light" mt={25} loading={command.planning && submitted} leftSection={<IconPlus size={16} />}>
            Add domain
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
