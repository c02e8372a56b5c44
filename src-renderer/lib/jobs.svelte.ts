import type { ClientApi, Job } from '../../src-main/core/contract/operations';

/** Every job (this session's and the kept history), kept current from the event stream (one source for all screens). */
export class JobsState {
  jobs = $state<Job[]>([]);

  constructor(private readonly api: ClientApi) {}

  start(): () => void {
    void this.api.jobList({}).then(({ jobs }) => (this.jobs = jobs));
    return this.api.subscribe((event) => {
      if (event.name === 'job:progress') {
        const { id, progress } = event.payload;
        const known = this.jobs.find((j) => j.id === id);
        if (known) known.progress = progress;
        else void this.api.jobList({}).then(({ jobs }) => (this.jobs = jobs));
      } else if (event.name === 'job:finished' || event.name === 'job:changed') {
        const job = event.payload;
        this.jobs = this.jobs.some((j) => j.id === job.id) ? this.jobs.map((j) => (j.id === job.id ? job : j)) : [...this.jobs, job];
      }
    });
  }

  /** Waits for a job started by this window to end. */
  async finished(id: string): Promise<Job> {
    for (;;) {
      const job = this.jobs.find((j) => j.id === id && j.status !== 'running' && j.status !== 'queued');
      if (job) return job;
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (!this.jobs.some((j) => j.id === id)) this.jobs = (await this.api.jobList({})).jobs;
    }
  }

  get running(): Job[] {
    return this.jobs.filter((j) => j.status === 'running');
  }

  get queued(): Job[] {
    return this.jobs.filter((j) => j.status === 'queued');
  }

  /** Starts an interrupted or failed job again; the new job appears through the event stream. */
  async resume(id: string): Promise<string> {
    const { jobId } = await this.api.jobResume({ id });
    this.jobs = (await this.api.jobList({})).jobs;
    return jobId;
  }
}
