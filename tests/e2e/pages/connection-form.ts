import type { Locator } from '@playwright/test';

export interface ConnectionInput {
  protocol: 'SFTP / SSH' | 'FTPS (explicit TLS)' | 'FTP';
  name: string;
  host: string;
  port: number;
  username: string;
  password: string;
  folder: string;
}

/** The connection fields shared by the site wizard and the destination form. */
export async function fillConnection(scope: Locator, input: ConnectionInput, folderLabel: string): Promise<void> {
  await scope.getByRole('radio', { name: input.protocol }).check();
  await scope.getByLabel('Name', { exact: true }).fill(input.name);
  await scope.getByLabel('Host').fill(input.host);
  await scope.getByLabel('Port').fill(String(input.port));
  await scope.getByLabel('Username').fill(input.username);
  await scope.getByLabel('Password', { exact: true }).fill(input.password);
  await scope.getByLabel(folderLabel).fill(input.folder);
}

/** Tests the connection and trusts what the server shows (unless already trusted); returns the fingerprint shown. */
export async function testAndTrust(scope: Locator): Promise<string> {
  await scope.getByRole('button', { name: 'Test the connection' }).click();
  const fingerprint = await scope.getByTestId('fingerprint').textContent();
  // A key or certificate a saved site or destination already trusts is not asked about again.
  if (await scope.getByTestId('already-trusted').isVisible()) return fingerprint ?? '';
  await scope.getByRole('checkbox', { name: /trust it/ }).check();
  return fingerprint ?? '';
}
