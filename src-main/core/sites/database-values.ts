import { ApiError } from '../contract/errors';
import type { DatabaseTarget } from './database-dump';

/**
 * Database settings reach the MySQL client in an option file (a line-based format) and on a
 * shell command line. A line break would start a new option or group (`[mysqldump]
 * result-file=…`, `plugin-dir=…`), and a NUL cuts a value short, so none is accepted: such a
 * value in wp-config.php is a sign the site has been tampered with, not a real password.
 * The client reads an option file in lines of at most 4,095 bytes and takes the rest of a
 * longer line as a line of its own, so a long value could add options too: every value is
 * kept to MAX_DATABASE_VALUE_BYTES, which leaves room for escaping every character.
 */
export const MAX_DATABASE_VALUE_BYTES = 1024;

const FIELDS = [
  ['name', 'database name (DB_NAME)'],
  ['user', 'database user (DB_USER)'],
  ['host', 'database host (DB_HOST)'],
  ['socket', 'database socket (in DB_HOST)'],
] as const;

const CONTROL = /[\r\n\0]/;

export interface UnsafeDatabaseField {
  field: string;
  /** What is wrong with it, in words: "contains a line break or NUL character". */
  problem: string;
}

/** What makes one value unsafe to pass to the MySQL client; null when it is safe. */
export function databaseValueProblem(value: string): string | null {
  if (CONTROL.test(value)) return 'contains a line break or NUL character';
  if (Buffer.byteLength(value) > MAX_DATABASE_VALUE_BYTES) return `is longer than ${MAX_DATABASE_VALUE_BYTES} bytes`;
  return null;
}

/** The first database value that cannot be passed safely, described for people; null when all are safe. */
export function unsafeDatabaseField(db: DatabaseTarget, password: string): UnsafeDatabaseField | null {
  for (const [key, field] of FIELDS) {
    const value = db[key];
    const problem = typeof value === 'string' ? databaseValueProblem(value) : null;
    if (problem) return { field, problem };
  }
  const problem = databaseValueProblem(password);
  return problem ? { field: 'database password (DB_PASSWORD)', problem } : null;
}

/** The refusal for a database value that cannot be passed safely, naming the field. */
export function unsafeDatabaseError({ field, problem }: UnsafeDatabaseField, from: string): ApiError {
  return new ApiError(
    'UNSAFE_DATABASE_SETTINGS',
    `The ${field} from ${from} ${problem}. SiteVault does not pass it to the MySQL client, because such a value could add options of its own. ` +
      'If nobody on your side put it there, the site may be compromised: check wp-config.php.',
  );
}

/** Throws UNSAFE_DATABASE_SETTINGS when a value cannot be passed safely. */
export function assertSafeDatabaseValues(db: DatabaseTarget, password: string, from: string): void {
  const unsafe = unsafeDatabaseField(db, password);
  if (unsafe) throw unsafeDatabaseError(unsafe, from);
}

/** The password as an option-file value: quoted and escaped, refused when unsafe. */
export function optionFileValue(password: string): string {
  const problem = databaseValueProblem(password);
  if (problem) throw unsafeDatabaseError({ field: 'database password', problem }, 'the site settings');
  return `"${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
