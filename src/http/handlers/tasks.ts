import type { Services } from '../../app.js';
import type { Handlers } from '../types.js';
import { taskSchema } from '../../services/tasks.js';
import { link } from '../../domain/links.js';

export function taskHandlers(s: Services): Handlers<'listTasks' | 'createTask' | 'showTask' | 'getTaskSchema' | 'getTasksSchema'> {
  return {
    listTasks: async (c) => ({ status: 200, body: await s.tasks.list(c.ctx, c.rawQuery) }),
    createTask: async (c) => {
      const task = await s.tasks.create(c.ctx, c.body ?? {});
      return { status: 201, headers: { Location: c.baseUrl + link('v2', 'tasks', String(task.id)) }, body: task };
    },
    showTask: async (c) => ({ status: 200, body: await s.tasks.show(c.ctx, c.params.task_id) }),
    getTaskSchema: () => ({ status: 200, body: taskSchema('task') }),
    getTasksSchema: () => ({ status: 200, body: taskSchema('tasks') }),
  };
}
