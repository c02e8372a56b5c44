import type { HandlersOf, ServiceContext } from '../context';

/** The job queue: list, cancel, resume. */
export function jobHandlers(ctx: ServiceContext): HandlersOf<'job'> {
  return {
    async 'job:list'() {
      return { jobs: ctx.jobs.list() };
    },

    async 'job:cancel'({ id }) {
      return { cancelled: ctx.jobs.cancel(id) };
    },

    async 'job:resume'({ id }) {
      return { jobId: ctx.jobs.resume(id) };
    },
  };
}
