import { readKeyFile } from '../backends/key-files';
import type { EmailPreferences } from '../settings/preferences';

export interface EmailMessage {
  subject: string;
  text: string;
}

export class EmailError extends Error {
  readonly code = 'EMAIL_FAILED';
}

/**
 * Sends one message through the user's SMTP server. With `starttls` the upgrade is required
 * (a server that does not offer it is refused, never used in clear). The certificate is
 * always verified, against the system's CAs or the CA file the user gave. Errors never
 * carry the password.
 */
export async function sendEmail(settings: EmailPreferences, password: string | null, message: EmailMessage): Promise<void> {
  if (!settings.host || !settings.to || !settings.from) throw new EmailError('The email report needs a server, a sender and a recipient.');
  let ca: Buffer | undefined;
  if (settings.caFile) {
    try {
      ca = await readKeyFile(settings.caFile, 'CA file');
    } catch (error) {
      throw new EmailError(`The mail server's ${(error as Error).message.replace(/^The /, '')}`);
    }
  }
  // Loaded when a message goes out: most runs send none, and every run would pay for loading it.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.user ? { user: settings.user, pass: password ?? '' } : undefined,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 30_000,
    tls: { rejectUnauthorized: true, ...(ca ? { ca } : {}) },
  });
  try {
    await transport.sendMail({ from: settings.from, to: settings.to, subject: message.subject, text: message.text });
  } catch (error) {
    const text = password ? (error as Error).message.split(password).join('***') : (error as Error).message;
    throw new EmailError(`The email report could not be sent through ${settings.host}:${settings.port}: ${text}`);
  } finally {
    transport.close();
  }
}
