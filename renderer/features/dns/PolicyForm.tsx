import { useState, type FormEvent } from 'react';
import {
  Badge,
  Button,
  Checkbox,
  Collapse,
  Group,
  Input,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { IconChevronDown, IconChevronRight, IconDeviceFloppy, IconRestore } from '@tabler/icons-react';
import { DnsPolicy, type Host } from '../../../shared/contract';
import { queryKey, useCopperQuery } from '../../api/client-context';
import { useCommand } from '../../api/useCommand';
import { validate, type FieldErrors } from '../../api/validation';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PlanDialog } from '../../components/PlanDialog';

interface Form {
  mx: Record<string, { on: boolean; preference: number | string }>;
  spfTerms: string[];
  spfAll: DnsPolicy['spf']['all'];
  dmarcPolicy: DnsPolicy['dmarc']['policy'];
  dmarcRua: string;
  mtaStsMode: 'off' | 'enforce' | 'testing' | 'none';
  mtaStsId: string;
  tlsRptRua: string;
  dane: boolean;
}

function toForm(policy: DnsPolicy, hosts: Host[]): Form {
  const mx: Form['mx'] = {};
  for (const host of hosts) mx[host.name] = { on: false, preference: 10 };
  for (const entry of policy.mx) mx[entry.host] = { on: true, preference: entry.preference };
  return {
    mx,
    spfTerms: policy.spf.terms,
    spfAll: policy.spf.all,
    dmarcPolicy: policy.dmarc.policy,
    dmarcRua: policy.dmarc.rua ?? '',
    mtaStsMode: policy.mtaSts?.mode ?? 'off',
    mtaStsId: policy.mtaSts?.id ?? '',
    tlsRptRua: policy.tlsRpt?.rua ?? '',
    dane: policy.dane,
  };
}

/** Empty report mailboxes mean "no reports"; MTA-STS "off" means no record at all. */
function fromForm(form: Form): unknown {
  return {
    mx: Object.entries(form.mx)
      .filter(([, entry]) => entry.on)
      .map(([host, entry]) => ({ host, preference: typeof entry.preference === 'number' ? entry.preference : Number(entry.preference) })),
    spf: { terms: form.spfTerms, all: form.spfAll },
    dmarc: { policy: form.dmarcPolicy, rua: form.dmarcRua.trim() || null },
    mtaSts: form.mtaStsMode === 'off' ? null : { mode: form.mtaStsMode, id: form.mtaStsId.trim() },
    tlsRpt: form.tlsRptRua.trim() ? { rua: form.tlsRptRua.trim() } : null,
    dane: form.dane,
  };
}

/** What the domain's records should say: changed through the plan dialog, recorded in the audit trail. */
export function PolicyForm({ domain, site, onSaved }: { domain: string; site: string; onSaved: () => void }) {
  const [open, setOpen] = useState(false);
  const current = useCopperQuery('dns.policy', { domain }, { enabled: open, staleTime: 0 });
  const hosts = useCopperQuery('inventory.hosts.list', { site }, { enabled: open });
  const queryClient = useQueryClient();
  const command = useCommand();
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [loadedFrom, setLoadedFrom] = useState<unknown>(null);
  if (current.data && hosts.data && current.data !== loadedFrom) {
    setLoadedFrom(current.data);
    setForm(toForm(current.data.policy, hosts.data));
    setErrors({});
  }

  const save = async (policy: DnsPolicy | null) => {
    const outcome = await command.run('dns.setPolicy', { domain, policy }, {
      success: (output) => (output.isDefault ? `The DNS policy of ${domain} is the default again` : `Saved the DNS policy of ${domain}`),
    });
    if (!outcome.ok) return;
    queryClient.setQueryData(queryKey('dns.policy', { domain }), outcome.output);
    void queryClient.invalidateQueries({ queryKey: ['dns.zone'] });
    onSaved();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    const checked = validate(DnsPolicy, fromForm(form));
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    void save(checked.data);
  };
  const set = <K extends keyof Form>(field: K, value: Form[K]) => setForm((previous) => (previous ? { ...previous, [field]: value } : previous));
  const setMx = (host: string, change: Partial<Form['mx'][string]>) =>
    setForm((previous) => {
      const entry = previous?.mx[host];
      return previous && entry ? { ...previous, mx: { ...previous.mx, [host]: { ...entry, ...change } } } : previous;
    });
  const hostByName = new Map((hosts.data ?? []).map((h) => [h.name, h]));
  const firstError = (prefix: string) => Object.entries(errors).find(([path]) => path.startsWith(prefix))?.[1];

  return (
    <Paper withBorder radius="md" p="lg" data-testid="dns-policy">
      <UnstyledButton onClick={() => setOpen((was) => !was)} aria-expanded={open} aria-controls="dns-policy-form" w="100%">
        <Group gap="xs">
          {open ? <IconChevronDown size={18} aria-hidden /> : <IconChevronRight size={18} aria-hidden />}
          <Title order={3} size="h4">
            What the records should say
          </Title>
          {current.data && (
            <Badge variant="light" color={current.data.isDefault ? 'gray' : 'blue'} radius="sm" tt="none">
              {current.data.isDefault ? 'defaults from the site' : 'changed for this domain'}
            </Badge>
          )}
        </Group>
      </UnstyledButton>
      <Collapse in={open} id="dns-policy-form">
        <Stack gap="md" mt="md">
          {(current.error ?? hosts.error) && <ErrorAlert error={current.error ?? hosts.error} title="Could not read the DNS policy" />}
          {form && (
            <form onSubmit={submit} aria-label={`DNS policy of ${domain}`}>
              <Stack gap="md">
                <Input.Wrapper label="MX hosts" description="The hosts of the site that receive mail for the domain; each MX record points to the host’s first mail name." error={firstError('mx')}>
                  <Table verticalSpacing={4} mt={6} aria-label="MX hosts">
                    <Table.Tbody>
                      {Object.entries(form.mx).map(([name, entry]) => {
                        const mailName = hostByName.get(name)?.mailNames[0];
                        return (
                          <Table.Tr key={name}>
                            <Table.Td>
                              <Checkbox label={name} checked={entry.on} onChange={(event) => setMx(name, { on: event.currentTarget.checked })} />
                            </Table.Td>
                            <Table.Td>
                              <Text size="sm" ff="monospace" c={mailName ? undefined : 'orange'}>
                                {mailName ?? 'no mail name yet'}
                              </Text>
                            </Table.Td>
                            <Table.Td w={140}>
                              <NumberInput
                                aria-label={`MX preference of ${name}`}
                                value={entry.preference}
                                onChange={(value) => setMx(name, { preference: value })}
                                min={0}
                                max={65535}
                                allowDecimal={false}
                                allowNegative={false}
                                disabled={!entry.on}
                                size="xs"
                              />
                            </Table.Td>
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </Input.Wrapper>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <TagsInput label="SPF terms" description="Who may send, e.g. mx, a, ip4:10.0.0.5. Press Enter after each." value={form.spfTerms} onChange={(terms) => set('spfTerms', terms)} error={firstError('spf.terms')} splitChars={[' ', ',']} />
                  <Select
                    label="Other senders"
                    description="What receivers should do with mail from anyone else."
                    data={[
                      { value: '-all', label: '-all: fail' },
                      { value: '~all', label: '~all: soft fail' },
                      { value: '?all', label: '?all: neutral' },
                    ]}
                    value={form.spfAll}
                    onChange={(value) => value && set('spfAll', value as Form['spfAll'])}
                    allowDeselect={false}
                  />
                  <Input.Wrapper label="DMARC policy" description="What receivers do with mail that fails DKIM and SPF alignment." id="dns-dmarc" labelElement="div">
                    <SegmentedControl
                      fullWidth
                      mt={4}
                      aria-labelledby="dns-dmarc-label"
                      value={form.dmarcPolicy}
                      onChange={(value) => set('dmarcPolicy', value as Form['dmarcPolicy'])}
                      data={[
                        { value: 'none', label: 'none' },
                        { value: 'quarantine', label: 'quarantine' },
                        { value: 'reject', label: 'reject' },
                      ]}
                    />
                  </Input.Wrapper>
                  <TextInput label="DMARC reports to" description="A mailbox for aggregate reports; empty for none." value={form.dmarcRua} onChange={(event) => set('dmarcRua', event.currentTarget.value)} error={firstError('dmarc.rua')} spellCheck={false} />
                  <Select
                    label="MTA-STS"
                    description="The mode goes in the policy file; the record carries its id."
                    data={[
                      { value: 'off', label: 'off (no record)' },
                      { value: 'none', label: 'none' },
                      { value: 'testing', label: 'testing' },
                      { value: 'enforce', label: 'enforce' },
                    ]}
                    value={form.mtaStsMode}
                    onChange={(value) => value && set('mtaStsMode', value as Form['mtaStsMode'])}
                    allowDeselect={false}
                  />
                  <TextInput label="MTA-STS id" description="Change it whenever the policy changes." value={form.mtaStsId} onChange={(event) => set('mtaStsId', event.currentTarget.value)} error={firstError('mtaSts')} disabled={form.mtaStsMode === 'off'} spellCheck={false} />
                  <TextInput label="TLS reports to" description="A mailbox for TLS-RPT reports; empty for no record." value={form.tlsRptRua} onChange={(event) => set('tlsRptRua', event.currentTarget.value)} error={firstError('tlsRpt')} spellCheck={false} />
                  <Switch label="DANE (TLSA records for the MX hosts’ certificates)" checked={form.dane} onChange={(event) => set('dane', event.currentTarget.checked)} mt="lg" />
                </SimpleGrid>
                <Group gap="sm">
                  <Button type="submit" leftSection={<IconDeviceFloppy size={16} />} loading={command.planning}>
                    Save policy
                  </Button>
                  <Button variant="default" leftSection={<IconRestore size={16} />} onClick={() => void save(null)} disabled={current.data?.isDefault ?? true}>
                    Restore defaults
                  </Button>
                </Group>
              </Stack>
            </form>
          )}
        </Stack>
      </Collapse>
      <PlanDialog controller={command} />
    </Paper>
  );
}
