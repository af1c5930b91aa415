import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CopperError, type ProvisionPlan, type ProvisionResult, type ProvisionStatus } from '../../../shared/contract';
import type { CliAction } from '../program';
import type { CliContext } from '../cli-context';
import { hasTerminal, confirm } from '../prompt';
import { printJson, printTable, safeText } from '../output';

const ACTION_MARK = { create: '+', replace: '~', start: '>', keep: '=' } as const;

function printProvisionPlan(plan: ProvisionPlan): void {
  process.stdout.write(`Plan: ${safeText(plan.summary)}\n`);
  process.stdout.write(`Bundle: ${safeText(plan.bundle.stackName)} ${safeText(plan.bundle.stackVersion)} (${plan.bundle.source === 'pushed' ? 'pushed to the host' : safeText(plan.bundle.path ?? '')}), signed by ${plan.bundle.publisherKeyId}\n`);
  printTable(
    plan.services.map((s) => ({ '': ACTION_MARK[s.action], service: s.service, container: s.container, action: s.action, why: s.reasons.join('; '), checks: s.checks.join(', ') || '-' })),
    ['', 'service', 'container', 'action', 'why', 'checks'],
  );
  for (const name of plan.volumesToCreate) process.stdout.write(`  + volume ${safeText(name)}\n`);
  for (const name of plan.secretsToGenerate) process.stdout.write(`  + secret ${safeText(name)} (generated into the vault, never shown)\n`);
  for (const warning of plan.warnings) process.stdout.write(`  ! ${safeText(warning)}\n`);
}

function printResult(result: ProvisionResult): void {
  const verb = result.outcome === 'unchanged' ? 'already ran' : 'now runs';
  process.stdout.write(`${result.host} ${verb} ${safeText(result.stackVersion)}${result.previousVersion && result.previousVersion !== result.stackVersion ? ` (was ${safeText(result.previousVersion)})` : ''} — ${(result.durationMs / 1000).toFixed(1)} s\n`);
  printTable(
    result.services.map((s) => ({ service: s.service, container: s.container, action: s.action, health: s.health, id: s.containerId.slice(0, 12) })),
    ['service', 'container', 'action', 'health', 'id'],
  );
  printTable(
    result.checks.map((c) => ({ check: c.kind, address: `${c.address}:${c.port}`, service: c.service, result: c.ok ? 'ok' : 'FAILED', seen: safeText(c.detail) })),
    ['check', 'address', 'service', 'result', 'seen'],
  );
}

function printStatus(status: ProvisionStatus): void {
  const pushed = status.pushed;
  process.stdout.write(`Pushed bundle: ${pushed ? `${safeText(pushed.stackName)} ${safeText(pushed.stackVersion)} at ${pushed.pushedAt} (key ${pushed.publisherKeyId})` : 'none'}\n`);
  process.stdout.write(`Running version: ${safeText(status.runningVersion ?? 'none')}\n`);
  printTable(
    status.containers.map((c) => ({
      service: c.service,
      container: c.container,
      state: c.state,
      health: c.health,
      restarts: c.restartCount ?? '-',
      version: c.version || '-',
      'as pushed': c.matchesBundle === null ? '-' : c.matchesBundle ? 'yes' : 'NO',
      image: c.image,
    })),
    ['service', 'container', 'state', 'health', 'restarts', 'version', 'as pushed', 'image'],
  );
  const run = status.lastRun;
  if (run) process.stdout.write(`Last apply #${run.id}: ${run.outcome} ${safeText(run.stackVersion)} by ${safeText(run.actor)} at ${run.startedAt}${run.message ? ` — ${safeText(run.message)}` : ''}\n`);
  if (status.interrupted) process.stdout.write(`! The last apply was interrupted before it finished. Apply again to converge: copper provision apply ${status.host}\n`);
}

async function apply(ctx: CliContext, host: string, opts: { bundle?: string; yes?: boolean }): Promise<void> {
  const input = { host, ...(opts.bundle ? { bundle: resolve(opts.bundle) } : {}) };
  const { plan, planHash } = await ctx.client.plan('provision.apply', input);
  if (!ctx.json) printProvisionPlan(plan);
  if (plan.missingImages.length) throw new CopperError('PROVISION_IMAGES_MISSING', plan.warnings[0] ?? `Push the bundle to ${host} first.`, { host });
  if (!opts.yes) {
    if (!hasTerminal()) throw new CopperError('NOT_CONFIRMED', 'Applying changes containers on the host and needs confirmation, and there is no terminal to ask on. Review the plan and re-run with --yes.');
    if (!(await confirm('Apply this plan?'))) throw new CopperError('NOT_CONFIRMED', 'Not confirmed: nothing was changed.');
  }
  // Ctrl-C cancels: what was changed so far is rolled back before the command ends.
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const result = await ctx.client.execute('provision.apply', input, planHash, {
      signal: stop.signal,
      onProgress: (p) => {
        if (!ctx.json) process.stderr.write(`[${p.done}/${p.total ?? '?'}] ${safeText(p.message)}\n`);
      },
    });
    if (ctx.json) printJson(result);
    else printResult(result);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** `copper provision …`: bring a host to the stack of a signed bundle. */
export function registerProvision(program: Command, action: CliAction): Command {
  const provision = program.command('provision').description('Provision a host from a signed bundle: plan, apply (with rollback), status');

  provision
    .command('plan <host>')
    .description('Compare the stack of a bundle with what runs on the host: what would be created, replaced, started or left alone')
    .option('--bundle <path>', 'a bundle folder or tar on this machine (default: the bundle last pushed to the host)')
    .action(
      action(async (ctx, host: string, opts: { bundle?: string }) => {
        const { plan } = await ctx.client.plan('provision.apply', { host, ...(opts.bundle ? { bundle: resolve(opts.bundle) } : {}) });
        if (ctx.json) printJson(plan);
        else printProvisionPlan(plan);
      }),
    );

  provision
    .command('apply <host>')
    .description('Apply the plan step by step, wait for health, verify SMTP/IMAP/LDAP from outside, roll back on failure')
    .option('--bundle <path>', 'a bundle folder or tar whose images were pushed (default: the bundle last pushed to the host)')
    .option('--yes', 'do not ask for confirmation')
    .action(action((ctx, host: string, opts: { bundle?: string; yes?: boolean }) => apply(ctx, host, opts)));

  provision
    .command('status <host>')
    .description('The containers the console provisioned on the host, their health and bundle version, and the last apply')
    .action(
      action(async (ctx, host: string) => {
        const status = await ctx.client.query('provision.status', { host });
        if (ctx.json) printJson(status);
        else printStatus(status);
      }),
    );
  return provision;
}
