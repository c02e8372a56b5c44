import { tick } from 'svelte';

const FIELDS = 'input:not([type="hidden"]):not(:disabled), select:not(:disabled), textarea:not(:disabled), button:not(:disabled), [tabindex]:not([tabindex="-1"])';

/**
 * Moves keyboard focus to the start of what `root` now shows: the first element matching
 * `start` (by default one marked `data-focus-start`), else its first heading (made focusable
 * with tabindex=-1, which keeps it out of the Tab order), else its first field. Screen readers
 * then read the new step or screen from its heading, instead of leaving the user on a button
 * that no longer means anything.
 */
export function focusStart(root: HTMLElement, start = '[data-focus-start]'): void {
  const target = root.querySelector<HTMLElement>(start) ?? root.querySelector<HTMLElement>('h1, h2, h3') ?? root.querySelector<HTMLElement>(FIELDS);
  if (!target) return;
  if (!target.matches(FIELDS) && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}

export interface FocusOnChange {
  /** What is shown: a step number, a screen's name. Focus moves when it changes. */
  key: unknown;
  /** Where focus goes (see focusStart); null: it stays where it is (going back to a form's choices). */
  start?: string | null;
}

/**
 * Svelte action for a screen or a multi-step form: each time `key` changes (a new step, a new
 * screen), focus moves to the start of what is shown (see focusStart). Not on the first render:
 * a window that just opened keeps its focus at the top, where the skip link is.
 */
export function focusOnChange(node: HTMLElement, options: FocusOnChange): { update: (next: FocusOnChange) => void } {
  let current = options.key;
  return {
    update(next: FocusOnChange) {
      if (next.key === current) return;
      current = next.key;
      const start = next.start;
      if (start !== null) void tick().then(() => focusStart(node, start));
    },
  };
}

/** Svelte action for a confirmation or a panel that appears: focus moves into it (see focusStart) when it mounts. */
export function focusOnMount(node: HTMLElement, start?: string): void {
  void tick().then(() => focusStart(node, start));
}
