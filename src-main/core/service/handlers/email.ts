import { sendEmail } from '../../alerts/email-report';
import { EMAIL_PASSWORD_ACCOUNT } from '../../alerts/run-report';
import { ApiError } from '../../contract/errors';
import type { HandlersOf, ServiceContext } from '../context';

/** The email report's settings, and a test message. */
export function emailHandlers(ctx: ServiceContext): HandlersOf<'email'> {
  return {
    async 'email:save'({ password, ...email }) {
      if (password !== undefined) {
        if (password) await ctx.secrets.write(EMAIL_PASSWORD_ACCOUNT, password);
        else await ctx.secrets.remove(EMAIL_PASSWORD_ACCOUNT);
      }
      await ctx.settings.update((draft) => {
        draft.preferences.email = email;
      });
      return { email: ctx.settings.data.preferences.email, hasPassword: await ctx.secrets.has(EMAIL_PASSWORD_ACCOUNT) };
    },

    async 'email:test'() {
      const email = ctx.settings.data.preferences.email;
      await sendEmail(email, await ctx.secrets.read(EMAIL_PASSWORD_ACCOUNT), {
        subject: 'SiteVault: test message',
        text: 'This is a test of the email report. SiteVault will write here when a backup fails, a check finds damage, or a site has no recent backup.',
      }).catch((error: unknown) => {
        throw new ApiError('BAD_REQUEST', (error as Error).message);
      });
      return { sent: true };
    },
  };
}
