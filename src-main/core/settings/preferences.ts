import { z } from 'zod';
import { DEFAULT_RETENTION, retentionSchema } from './retention';
import { reportLogoSchema, reportNameSchema } from '../reports/report-logo';

/** How backups are verified: a sample read back after each backup, and a scheduled check. */
export const verificationPreferencesSchema = z.object({
  /** Read back a sample of the packs each backup wrote (up to 64 MiB) and check them. */
  sampleAfterBackup: z.boolean(),
  /** A full structural check of each destination every N days (0 = never). */
  checkEveryDays: z.number().int().min(0).max(365),
  /** How much of the stored data that check reads back and decrypts (0-100). */
  readDataPercent: z.number().min(0).max(100),
});
export type VerificationPreferences = z.infer<typeof verificationPreferencesSchema>;
export const DEFAULT_VERIFICATION: VerificationPreferences = { sampleAfterBackup: true, checkEveryDays: 7, readDataPercent: 5 };

/** An email report through the user's SMTP server; the password lives in the keychain. */
export const emailPreferencesSchema = z.object({
  enabled: z.boolean(),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  /** starttls: plain then STARTTLS (required); tls: TLS from the start; none: only for a local relay. */
  security: z.enum(['starttls', 'tls', 'none']),
  user: z.string(),
  from: z.string(),
  to: z.string(),
  /** problems: only failures, damage and stale sites; always: also a report of each scheduled run. */
  send: z.enum(['problems', 'always']),
  /** A CA certificate (PEM file) to trust for a mail server with its own CA; null: the system's CAs. */
  caFile: z.string().nullable(),
});
export type EmailPreferences = z.infer<typeof emailPreferencesSchema>;
export const DEFAULT_EMAIL: EmailPreferences = { enabled: false, host: '', port: 587, security: 'starttls', user: '', from: '', to: '', send: 'problems', caFile: null };

export const preferencesSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** What a new site's retention starts from (the seeds: 12 daily, 3 monthly, 1 yearly). */
  defaultRetention: retentionSchema.default(DEFAULT_RETENTION),
  /** Jobs running at once; the others wait in the queue (one per site in any case). */
  maxConcurrentJobs: z.number().int().min(1).max(8).default(2),
  verification: verificationPreferencesSchema.default(DEFAULT_VERIFICATION),
  email: emailPreferencesSchema.default(DEFAULT_EMAIL),
  /** How the dashboard lists the sites: cards, or a compact table for many sites. */
  dashboardView: z.enum(['cards', 'table']).default('cards'),
  /** Who client reports are from: a name, and a logo as a PNG or JPEG data URL (null: none). */
  reportName: reportNameSchema.default(''),
  // A logo edited by hand into something else is dropped, not a reason to refuse the whole settings file.
  reportLogo: reportLogoSchema.default(null).catch(null),
});
export type Preferences = z.infer<typeof preferencesSchema>;
