import type { ClientApi } from '../../src-main/core/contract/operations';

/**
 * Starts a download: in the browser (headless) the server hands out a one-time link, which
 * is followed here; on the desktop main asks where to save it and runs it as a job.
 */
export async function startDownload(api: ClientApi, input: Parameters<ClientApi['downloadStart']>[0]): Promise<string> {
  const started = await api.downloadStart(input);
  if (started.url) {
    const link = document.createElement('a');
    link.href = started.url;
    link.download = started.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    return `Downloading ${started.fileName}…`;
  }
  return started.jobId ? `Saving ${started.fileName}; see Activity for progress.` : 'Download cancelled.';
}
