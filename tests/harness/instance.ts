/**
 * The harness's system users and the SFTP chroot are machine-wide. `SITEVAULT_HARNESS_ID`
 * (letters and digits) gives one harness its own set, so that two checkouts can run their
 * tests on one machine at once. Unset in CI: the plain names.
 */
function suffix(): string {
  const id = process.env['SITEVAULT_HARNESS_ID'] ?? '';
  if (!/^[a-z0-9]{0,8}$/.test(id)) throw new Error('SITEVAULT_HARNESS_ID must be up to 8 lower-case letters or digits.');
  return id;
}

export const HARNESS_SUFFIX = suffix();
