import type { RequestContext } from '../authn/context.js';
import type { Notifier } from '../notifier/notifier.js';
import { taskPayload } from '../notifier/payloads.js';
import type { TaskRecord, TasksRepository } from '../repositories/tasks.js';

/**
 * Task records that announce their life as Glance does: `task.create` when stored,
 * `task.run` when handed to the background, then `task.processing`, and `task.success` or
 * `task.failure`, each after the record is written.
 */
export class TaskEvents {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly notifier: Notifier,
  ) {}

  async create(t: Parameters<TasksRepository['create']>[0], ctx: RequestContext): Promise<TaskRecord> {
    const rec = await this.tasks.create(t);
    this.notifier.emit('task.create', taskPayload(rec), ctx);
    return rec;
  }

  run(task: TaskRecord, ctx: RequestContext): void {
    this.notifier.emit('task.run', taskPayload(task), ctx);
  }

  async update(id: string, set: Parameters<TasksRepository['update']>[1], ctx: RequestContext): Promise<void> {
    await this.tasks.update(id, set);
    const event = set.status === 'processing' ? 'task.processing' : set.status === 'success' ? 'task.success' : set.status === 'failure' ? 'task.failure' : null;
    if (!event) return;
    const rec = await this.tasks.get(id);
    if (rec) this.notifier.emit(event, taskPayload(rec), ctx);
  }
}
