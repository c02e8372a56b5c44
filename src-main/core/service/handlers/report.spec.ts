import { describe, expect, it } from 'vitest';
import type { ServiceContext } from '../context';
import { reportHandlers } from './report';

describe('report:savePdf', () => {
  it('asks main for the file with a safe name, and says where it cannot print', async () => {
    const asked: string[] = [];
    const desktop = reportHandlers({ savePdf: async (name: string) => (asked.push(name), `/home/jane/${name}`) } as unknown as ServiceContext);
    await expect(desktop['report:savePdf']({ fileName: '../Client A/é-backup-report-2026-11.pdf' })).resolves.toEqual({ file: '/home/jane/Client-A-é-backup-report-2026-11.pdf' });
    await desktop['report:savePdf']({ fileName: '///' });
    expect(asked).toEqual(['Client-A-é-backup-report-2026-11.pdf', 'report.pdf']);

    const headless = reportHandlers({} as ServiceContext);
    await expect(headless['report:savePdf']({ fileName: 'x.pdf' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('only possible in the desktop app') });
  });
});
