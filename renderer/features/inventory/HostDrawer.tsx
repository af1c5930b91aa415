import { useState, type FormEvent } from 'react';
import {
  Alert,
  Badge,
  Button,
  Drawer,
  FileInput,
  Grid,
  Group,
  Input,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { IconCheck, IconFileText, IconInfoCircle, IconPlus, IconShieldCheck } from '@tabler/icons-react';
import {
  DEFAULT_DOCKER_SOCKET,
  HostCreateInput,
  HostUpdateInput,
  type AuthMethod,
  type Host,
  type HostMode,
  type Privilege,
} from '../../../shared/contract';
import { useCopperQuery } from '../../api/client-context';
import { useCommand, type CommandController } from '../../api/useCommand';
import { errorAt, validate, type FieldErrors } from '../../api/validation';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';
import { hostHref } from '../../router';
import { HostKeyVerifier } from '../fleet/HostKeyVerifier';
import { readPrivateKey, type PrivateKeyFile } from './private-key';

export type HostDrawerState = { mode: 'create'; site: string | null } | { mode: 'edit'; name: string } | null;

/** Adds or edits a host. Secrets typed here go to the core once, into the secret store; they are never read back. */
export function HostDrawer({ state, onClose }: { state: HostDrawerState; onClose: () => void }) {
  const command = useCommand();
  const trust = useCommand();
  const editing = state?.mode === 'edit' ? state.name : null;
  const host = useCopperQuery('inventory.hosts.get', { name: editing ?? '' }, { enabled: editing !== null, staleTime: 0 });
  const [shown, setShown] = useState<HostDrawerState>(state);
  // A host just added without a pinned key: the drawer moves on to checking its key, the step that makes it usable.
  const [added, setAdded] = useState<Host | null>(null);
  if (state !== null && state !== shown) {
    setShown(state);
    setAdded(null);
  }
  const current = state ?? shown;
  const created = (host: Host) => (host.pinnedFingerprint === null ? setAdded(host) : onClose());

  return (
    <>
      <Drawer
        opened={state !== null}
        onClose={onClose}
        position="right"
        size="lg"
        padding="lg"
        title={added ? `Verify the host key of ${added.name}` : current?.mode === 'edit' ? `Edit host ${current.name}` : 'Add host'}
        // Escape belongs to the plan dialog while it is open, not to the drawer underneath.
        closeOnEscape={!command.opened && !trust.opened}
        closeButtonProps={{ 'aria-label': 'Close' }}
        styles={{ title: { fontWeight: 700, fontSize: 'var(--mantine-font-size-lg)' } }}
        data-testid="host-drawer"
      >
        {current?.mode === 'create' &&
          (added ? (
            <TrustStep host={added} trust={trust} onDone={onClose} />
          ) : (
            <HostForm key="create" defaultSite={current.site} command={command} onDone={onClose} onCreated={created} />
          ))}
        {current?.mode === 'edit' &&
          (host.data && host.data.name === current.name ? (
            // Keyed by name only: a refetch while the operator types must not reset the form (the update sends only
            // the fields they changed, so data that moved meanwhile is not overwritten).
            <HostForm key={`edit:${host.data.name}`} host={host.data} command={command} onDone={onClose} />
          ) : host.error ? (
            <ErrorAlert error={host.error} title="This host cannot be edited" />
          ) : null)}
      </Drawer>
      <PlanDialog controller={command} />
    </>
  );
}

const privilegeChoices: Array<{ value: Privilege; label: string }> = [
  { value: 'root', label: 'The login is root' },
  { value: 'sudo', label: 'Through sudo -n' },
  { value: 'none', label: 'Not allowed' },
];

const secretNames = { password: 'password', privateKey: 'private key', keyPassphrase: 'key passphrase' } as const;

function SectionTitle({ children }: { children: string }) {
  return (
    <Title order={3} size="h6" tt="uppercase" c="dimmed" style={{ letterSpacing: '0.04em' }}>
      {children}
    </Title>
  );
}

/**
 * Right after a host is added: the key it presents, how to compare it with the server, and Trust / Later. An unreachable
 * host shows why, and the operator finishes from the host page when it is up.
 */
function TrustStep({ host, trust, onDone }: { host: Host; trust: CommandController; onDone: () => void }) {
  const [pinned, setPinned] = useState<string | null>(null);
  if (pinned) {
    return (
      <Stack gap="md" data-testid="trust-step" data-trusted="true">
        <Alert color="teal" variant="light" icon={<IconShieldCheck size={20} />} title={`${host.name} is ready`}>
          <Text size="sm">The console will log in to {host.name} only while it presents this key:</Text>
          <Text size="sm" ff="monospace" fw={600} mt={4} style={{ overflowWrap: 'anywhere' }}>
            {pinned}
          </Text>
        </Alert>
        <Group justify="flex-end" gap="sm">
          <Button component="a" href={hostHref(host.name)} variant="default" onClick={onDone}>
            Open host page
          </Button>
          <Button onClick={onDone} data-autofocus>
            Done
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <Stack gap="md" data-testid="trust-step">
      <Alert color="teal" variant="light" icon={<IconCheck size={20} />} title={`${host.name} was added to site ${host.site}`}>
        One step left: make sure the console talks to the real server. It will not log in to {host.name} until you trust its key.
      </Alert>
      <HostKeyVerifier
        host={host}
        autoProbe
        trust={trust}
        onTrusted={setPinned}
        secondary={
          <Button variant="subtle" color="gray" onClick={onDone}>
            Later
          </Button>
        }
      />
      <Text size="xs" c="dimmed">
        Choose Later if you cannot compare the key now, or if the server is not reachable yet: the host page offers this step
        whenever you are ready.
      </Text>
    </Stack>
  );
}

function HostForm({
  host,
  defaultSite,
  command,
  onDone,
  onCreated,
}: {
  host?: Host;
  defaultSite?: string | null;
  command: CommandController;
  onDone: () => void;
  /** Called instead of onDone after a new host was added. */
  onCreated?: (host: Host) => void;
}) {
  const sites = useCopperQuery('inventory.sites.list', {});
  const hosts = useCopperQuery('inventory.hosts.list', {});
  const siteNames = (sites.data ?? []).map((s) => s.name);

  const [name, setName] = useState(host?.name ?? '');
  const [site, setSite] = useState<string | null>(host?.site ?? defaultSite ?? (siteNames.length === 1 ? (siteNames[0] ?? null) : null));
  const [user, setUser] = useState(host?.ssh.user ?? '');
  const [address, setAddress] = useState(host?.ssh.address ?? '');
  const [port, setPort] = useState<number | string>(host?.ssh.port ?? 22);
  const [auth, setAuth] = useState<AuthMethod>(host?.auth ?? 'password');
  const [password, setPassword] = useState('');
  const [keyFile, setKeyFile] = useState<File | null>(null);
  const [key, setKey] = useState<PrivateKeyFile | null>(null);
  const [keyError, setKeyError] = useState<string | undefined>();
  const [keyPassphrase, setKeyPassphrase] = useState('');
  const [jumpHost, setJumpHost] = useState<string | null>(host?.jumpHost ?? null);
  const [mode, setMode] = useState<HostMode>(host?.mode ?? 'docker');
  // Until the operator chooses, root commands follow the login: a root login runs them, any other login does not.
  const [chosenPrivilege, setPrivilege] = useState<Privilege | null>(host?.privilege ?? null);
  const privilege: Privilege = chosenPrivilege ?? (user.trim() === 'root' ? 'root' : 'none');
  const [dockerSocket, setDockerSocket] = useState(host?.dockerSocket ?? DEFAULT_DOCKER_SOCKET);
  const [tags, setTags] = useState<string[]>(host?.tags ?? []);
  const [notes, setNotes] = useState(host?.notes ?? '');
  const [mailNames, setMailNames] = useState<string[]>(host?.mailNames ?? []);
  const [fingerprint, setFingerprint] = useState(host?.pinnedFingerprint ?? '');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitted, setSubmitted] = useState(false);

  const stored = (kind: keyof typeof secretNames) => host?.storedSecrets.includes(kind) ?? false;
  const keepHint = (kind: keyof typeof secretNames) =>
    stored(kind) ? `A ${secretNames[kind]} is stored. Leave empty to keep it; type a new one to replace it.` : undefined;

  const chooseKey = async (file: File | null) => {
    setKeyFile(file);
    setKey(null);
    setKeyError(undefined);
    if (!file) return;
    const read = await readPrivateKey(file);
    if (read.ok) setKey(read.key);
    else setKeyError(read.message);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const portNumber = typeof port === 'number' ? port : Number.parseInt(port, 10);
    const fields = {
      name,
      site: site ?? '',
      ssh: { user, address, port: Number.isFinite(portNumber) ? portNumber : Number.NaN },
      auth,
      jumpHost,
      pinnedFingerprint: fingerprint.trim() === '' ? null : fingerprint.trim(),
      mode,
      privilege,
      dockerSocket: dockerSocket.trim(),
      tags,
      notes,
      mailNames,
    };
    // Only the secrets of the chosen login method are sent; empty means "none" (or, when editing, "keep the stored one").
    const secrets = {
      ...(auth === 'password' && password ? { password } : {}),
      ...(auth === 'key' && key ? { privateKey: key.text } : {}),
      ...(auth === 'key' && keyPassphrase ? { keyPassphrase } : {}),
    };
    const local: FieldErrors = {};
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) local['ssh.port'] = 'Enter a port from 1 to 65535.';
    if (site === null) local.site = 'Choose the site this host belongs to.';
    if (keyError && auth === 'key') local.privateKey = keyError;
    const show = (found: FieldErrors) => setErrors({ ...found, ...local });
    const finish = (outcome: { ok: boolean }) => {
      setSubmitted(false);
      if (outcome.ok) onDone();
    };

    if (host) {
      const checked = validate(HostUpdateInput, { name: host.name, set: changedFields(host, fields), ...secrets });
      if (!checked.ok || Object.keys(local).length) return show(checked.ok ? {} : checked.errors);
      setErrors({});
      setSubmitted(true);
      finish(await command.run('inventory.hosts.update', checked.data));
    } else {
      const checked = validate(HostCreateInput, { ...fields, ...secrets });
      if (!checked.ok || Object.keys(local).length) return show(checked.ok ? {} : checked.errors);
      setErrors({});
      setSubmitted(true);
      const outcome = await command.run('inventory.hosts.create', checked.data);
      setSubmitted(false);
      if (!outcome.ok) return;
      if (onCreated) onCreated(outcome.output);
      else onDone();
    }
  };

  const at = (path: string) => errorAt(errors, path, `set.${path}`);
  const tagsError = Object.entries(errors).find(([path]) => /^(set\.)?tags/.test(path))?.[1];
  const mailNamesError = Object.entries(errors).find(([path]) => /^(set\.)?mailNames/.test(path))?.[1];
  const jumpChoices = (hosts.data ?? []).map((h) => h.name).filter((n) => n !== host?.name);

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label={host ? `Edit host ${host.name}` : 'Add host'}>
      <Stack gap="lg">
        <Stack gap="sm">
          <SectionTitle>Host</SectionTitle>
          <Grid gutter="sm">
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput
                label="Name"
                description="How operators call it, e.g. mx1."
                required
                data-autofocus
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={at('name')}
                autoComplete="off"
                spellCheck={false}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                label="Site"
                description="Where the host is."
                required
                placeholder="Choose a site"
                data={siteNames}
                value={site}
                onChange={setSite}
                error={at('site')}
                searchable
                allowDeselect={false}
              />
            </Grid.Col>
          </Grid>
        </Stack>

        <Stack gap="sm">
          <SectionTitle>SSH connection</SectionTitle>
          <Grid gutter="sm">
            <Grid.Col span={{ base: 12, sm: 4 }}>
              <TextInput
                label="SSH user"
                required
                placeholder="root"
                value={user}
                onChange={(e) => setUser(e.currentTarget.value)}
                error={at('ssh.user')}
                autoComplete="off"
                spellCheck={false}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 5 }}>
              <TextInput
                label="Address"
                required
                placeholder="10.0.0.25"
                value={address}
                onChange={(e) => setAddress(e.currentTarget.value)}
                error={at('ssh.address')}
                autoComplete="off"
                spellCheck={false}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 3 }}>
              <NumberInput
                label="Port"
                required
                min={1}
                max={65535}
                allowDecimal={false}
                allowNegative={false}
                hideControls
                value={port}
                onChange={setPort}
                error={at('ssh.port')}
              />
            </Grid.Col>
          </Grid>
          <Grid gutter="sm">
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                label="Jump host"
                description="Optional: the host to go through."
                placeholder="Direct connection"
                data={jumpChoices}
                value={jumpHost}
                onChange={setJumpHost}
                error={at('jumpHost')}
                clearable
                searchable
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Input.Wrapper label="Mode" description="How the mail services run on it." id="host-mode" labelElement="div">
                <SegmentedControl
                  role="radiogroup"
                  fullWidth
                  aria-labelledby="host-mode-label"
                  value={mode}
                  onChange={(value) => setMode(value as HostMode)}
                  data={[
                    { value: 'docker', label: 'Docker' },
                    { value: 'native', label: 'Native' },
                  ]}
                  mt={4}
                />
              </Input.Wrapper>
            </Grid.Col>
          </Grid>
          <Grid gutter="sm">
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                label="Root commands"
                description="How commands that need root (postqueue, docker…) run."
                data={privilegeChoices}
                value={privilege}
                onChange={(value) => value && setPrivilege(value as Privilege)}
                error={at('privilege')}
                allowDeselect={false}
              />
            </Grid.Col>
            {mode === 'docker' && (
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput
                  label="Docker socket"
                  description="On the server; reached through the SSH connection."
                  value={dockerSocket}
                  onChange={(e) => setDockerSocket(e.currentTarget.value)}
                  error={at('dockerSocket')}
                  autoComplete="off"
                  spellCheck={false}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                />
              </Grid.Col>
            )}
          </Grid>
        </Stack>

        <Stack gap="sm">
          <SectionTitle>Login</SectionTitle>
          <Input.Wrapper label="Login method" id="host-login" labelElement="div">
            <SegmentedControl
              role="radiogroup"
              fullWidth
              aria-labelledby="host-login-label"
              value={auth}
              onChange={(value) => setAuth(value as AuthMethod)}
              data={[
                { value: 'password', label: 'Password' },
                { value: 'key', label: 'Private key' },
                { value: 'agent', label: 'SSH agent' },
              ]}
              mt={4}
            />
          </Input.Wrapper>
          {auth === 'password' && (
            <PasswordInput
              label="SSH password"
              description={keepHint('password') ?? 'Kept in the secret store; never shown again, never written to the audit trail.'}
              placeholder={stored('password') ? 'Unchanged' : undefined}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={at('password')}
              autoComplete="new-password"
              rightSectionPointerEvents="auto"
            />
          )}
          {auth === 'key' && (
            <>
              <FileInput
                label="Private key file"
                description={
                  keepHint('privateKey') ?? 'An OpenSSH private key such as id_ed25519 (not the .pub file). It is read here and sent to the secret store.'
                }
                placeholder={stored('privateKey') ? 'Unchanged' : 'Choose a file'}
                leftSection={<IconFileText size={16} />}
                value={keyFile}
                onChange={(file) => void chooseKey(file)}
                clearable
                error={at('privateKey') ?? keyError}
              />
              {key && (
                <Group gap={6}>
                  <IconCheck size={16} color="var(--mantine-color-teal-6)" aria-hidden />
                  <Text size="sm" data-testid="key-summary">
                    {key.summary}
                  </Text>
                </Group>
              )}
              <PasswordInput
                label="Key passphrase"
                description={keepHint('keyPassphrase') ?? 'Only if the key is protected by a passphrase.'}
                placeholder={stored('keyPassphrase') ? 'Unchanged' : undefined}
                value={keyPassphrase}
                onChange={(e) => setKeyPassphrase(e.currentTarget.value)}
                error={at('keyPassphrase')}
                autoComplete="new-password"
              />
            </>
          )}
          {auth === 'agent' && (
            <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />}>
              The console asks the SSH agent running on this workstation for the key. Nothing is stored.
            </Alert>
          )}
          {host && host.storedSecrets.length > 0 && (
            <Group gap={6}>
              <Text size="xs" c="dimmed">
                Stored now:
              </Text>
              {host.storedSecrets.map((kind) => (
                <Badge key={kind} size="xs" variant="light" color="gray" tt="none">
                  {secretNames[kind]}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>

        <Stack gap="sm">
          <SectionTitle>More</SectionTitle>
          <TagsInput
            label="Mail FQDNs"
            description="The public names of this mail server, e.g. mx1.example.org: what MX records point to and its TLS certificates must cover. Press Enter after each."
            value={mailNames}
            onChange={(names) => setMailNames(names.map((n) => n.trim().toLowerCase()))}
            error={mailNamesError}
            clearable
            splitChars={[',', ' ']}
            data-testid="host-mail-names"
          />
          <TextInput
            label="Pinned host key"
            description="Optional: the SHA256 fingerprint as ssh-keygen -lf prints it. Leave empty to compare it with what the server presents right after adding the host."
            placeholder="SHA256:…"
            value={fingerprint}
            onChange={(e) => setFingerprint(e.currentTarget.value)}
            error={at('pinnedFingerprint')}
            autoComplete="off"
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <TagsInput
            label="Tags"
            description="Press Enter after each tag, e.g. mx, production."
            value={tags}
            onChange={setTags}
            error={tagsError}
            clearable
            splitChars={[',', ' ']}
          />
          <Textarea
            label="Notes"
            autosize
            minRows={2}
            maxRows={8}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            error={at('notes')}
          />
        </Stack>

        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={command.planning && submitted} leftSection={host ? undefined : <IconPlus size={16} />}>
            {host ? 'Review changes' : 'Add host'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

type HostFields = Pick<
  Host,
  'name' | 'site' | 'ssh' | 'auth' | 'jumpHost' | 'pinnedFingerprint' | 'mode' | 'privilege' | 'dockerSocket' | 'tags' | 'notes' | 'mailNames'
>;

/** Only what the operator changed, so an edit never silently undoes a change made meanwhile from another window. */
function changedFields(host: Host, fields: HostFields): Partial<HostFields> {
  const set: Partial<HostFields> = {};
  if (fields.name.trim() !== host.name) set.name = fields.name;
  if (fields.site !== host.site) set.site = fields.site;
  if (fields.ssh.user.trim() !== host.ssh.user || fields.ssh.address.trim() !== host.ssh.address || fields.ssh.port !== host.ssh.port) {
    set.ssh = fields.ssh;
  }
  if (fields.auth !== host.auth) set.auth = fields.auth;
  if (fields.jumpHost !== host.jumpHost) set.jumpHost = fields.jumpHost;
  if (fields.pinnedFingerprint !== host.pinnedFingerprint) set.pinnedFingerprint = fields.pinnedFingerprint;
  if (fields.mode !== host.mode) set.mode = fields.mode;
  if (fields.privilege !== host.privilege) set.privilege = fields.privilege;
  if (fields.dockerSocket !== host.dockerSocket) set.dockerSocket = fields.dockerSocket;
  if (JSON.stringify(fields.tags) !== JSON.stringify(host.tags)) set.tags = fields.tags;
  if (fields.notes !== host.notes) set.notes = fields.notes;
  if (JSON.stringify(fields.mailNames) !== JSON.stringify(host.mailNames)) set.mailNames = fields.mailNames;
  return set;
}
