import { StackSpec, type ProvisionRun, type ProvisionStatus } from '../../../../shared/contract';
import type { Db } from '../../db/database';
import type { Clock } from '../../app/clock';
import type { InventoryService } from '../../inventory/inventory.service';

export type PushedBundle = NonNullable<ProvisionStatus['pushed']> & { stack: StackSpec };

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  actor: string;
  stack_version: string;
  previous_version: string | null;
  outcome: ProvisionRun['outcome'];
  message: string | null;
  steps: string;
}

/**
 * The console's memory of provisioning: which bundle was pushed to each host, and every apply with its steps. A run
 * is written before the first container is touched and its steps as they happen, so one left `running` was cut off.
 */
export class ProvisionStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly inventory: InventoryService,
  ) {}

  private hostId(host: string): number {
    const row = this.inventory.hostRow(host);
    if (!row) throw new Error(`No host ${host}`);
    return row.id;
  }

  recordPush(host: string, bundle: { path: string; stagingDir: string; publisherKeyId: string; createdAt: string; stack: StackSpec }): void {
    this.db
      .prepare(
        `INSERT INTO provision_pushed (host_id, pushed_at, path, staging_dir, publisher_key_id, created_at, stack_json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(host_id) DO UPDATE SET pushed_at = excluded.pushed_at, path = excluded.path, staging_dir = excluded.staging_dir,
           publisher_key_id = excluded.publisher_key_id, created_at = excluded.created_at, stack_json = excluded.stack_json`,
      )
      .run(this.hostId(host), this.clock.now().toISOString(), bundle.path, bundle.stagingDir, bundle.publisherKeyId, bundle.createdAt, JSON.stringify(bundle.stack));
  }

  pushed(host: string): PushedBundle | null {
    const row = this.db.prepare('SELECT * FROM provision_pushed WHERE host_id = ?').get(this.hostId(host)) as
      | { pushed_at: string; path: string; publisher_key_id: string; created_at: string; stack_json: string }
      | undefined;
    if (!row) return null;
    const stack = StackSpec.parse(JSON.parse(row.stack_json));
    return {
      source: 'pushed',
      path: row.path,
      stackName: stack.name,
      stackVersion: stack.version,
      publisherKeyId: row.publisher_key_id,
      createdAt: row.created_at,
      pushedAt: row.pushed_at,
      stack,
    };
  }

  startRun(host: string, actor: string, stackVersion: string, previousVersion: string | null): number {
    const result = this.db
      .prepare("INSERT INTO provision_runs (host_id, started_at, actor, pid, stack_version, previous_version, outcome) VALUES (?, ?, ?, ?, ?, ?, 'running')")
      .run(this.hostId(host), this.clock.now().toISOString(), actor, process.pid, stackVersion, previousVersion);
    return Number(result.lastInsertRowid);
  }

  /** The run of this host still marked running, with the process that runs (or ran) it. */
  unfinished(host: string): { id: number; pid: number; startedAt: string } | null {
    const row = this.db.prepare("SELECT id, pid, started_at FROM provision_runs WHERE host_id = ? AND outcome = 'running' ORDER BY id DESC LIMIT 1").get(this.hostId(host)) as
      | { id: number; pid: number; started_at: string }
      | undefined;
    return row ? { id: row.id, pid: row.pid, startedAt: row.started_at } : null;
  }

  step(runId: number, text: string): void {
    const row = this.db.prepare('SELECT steps FROM provision_runs WHERE id = ?').get(runId) as { steps: string } | undefined;
    const steps = row ? (JSON.parse(row.steps) as ProvisionRun['steps']) : [];
    steps.push({ at: this.clock.now().toISOString(), text });
    this.db.prepare('UPDATE provision_runs SET steps = ? WHERE id = ?').run(JSON.stringify(steps), runId);
  }

  finishRun(runId: number, outcome: Exclude<ProvisionRun['outcome'], 'running'>, message: string | null): void {
    this.db.prepare('UPDATE provision_runs SET finished_at = ?, outcome = ?, message = ? WHERE id = ?').run(this.clock.now().toISOString(), outcome, message, runId);
  }

  runs(host: string, limit: number): ProvisionRun[] {
    const rows = this.db.prepare('SELECT * FROM provision_runs WHERE host_id = ? ORDER BY id DESC LIMIT ?').all(this.hostId(host), limit) as RunRow[];
    return rows.map((row) => ({
      id: row.id,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      actor: row.actor,
      stackVersion: row.stack_version,
      previousVersion: row.previous_version,
      outcome: row.outcome,
      message: row.message,
      steps: JSON.parse(row.steps) as ProvisionRun['steps'],
    }));
  }
}
