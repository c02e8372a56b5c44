/** The files `site:import` reads: FileZilla's Site Manager export, or a CSV file. */
export type ImportFormat = 'filezilla' | 'csv';

/** The format from the file's name, else from its first character (FileZilla's export is XML). */
export function guessImportFormat(fileName: string, content: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.xml')) return 'filezilla';
  if (lower.endsWith('.csv')) return 'csv';
  return content
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('<')
    ? 'filezilla'
    : 'csv';
}
