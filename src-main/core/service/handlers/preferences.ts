import type { HandlersOf, ServiceContext } from '../context';

export function preferencesHandlers(ctx: ServiceContext): HandlersOf<'preferences'> {
  return {
    async 'preferences:get'() {
      return { ...ctx.settings.data.preferences };
    },

    async 'preferences:set'(changes) {
      await ctx.settings.update((draft) => {
        draft.preferences = { ...draft.preferences, ...changes };
      });
      return { ...ctx.settings.data.preferences };
    },
  };
}
