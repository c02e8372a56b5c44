import { tick } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { focusOnChange, focusStart } from './focus';

function render(html: string): HTMLElement {
  const root = document.createElement('section');
  root.innerHTML = html;
  document.body.append(root);
  return root;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('moving focus to a new step', () => {
  it('goes to the marked start, else the first heading (kept out of the Tab order), else the first field', () => {
    let root = render('<h1>Add a site</h1><h2 data-focus-start>Step 2 of 5: Verify</h2><input id="f" />');
    focusStart(root);
    expect(document.activeElement?.textContent).toBe('Step 2 of 5: Verify');
    expect(document.activeElement?.getAttribute('tabindex')).toBe('-1');

    root = render('<p>Intro</p><h2>Change the passphrase</h2><input id="f" />');
    focusStart(root);
    expect(document.activeElement?.textContent).toBe('Change the passphrase');

    root = render('<p>Intro</p><input id="off" disabled /><select id="on"></select>');
    focusStart(root);
    expect(document.activeElement?.id).toBe('on');
    expect(document.activeElement?.hasAttribute('tabindex')).toBe(false);
  });

  it('moves only when the step changes, not on the first render, and never when told to stay', async () => {
    const root = render('<h1>Restore</h1><button id="choice">Files only</button>');
    const field = root.querySelector<HTMLElement>('#choice')!;
    field.focus();
    const action = focusOnChange(root, { key: 0, start: 'h1' });
    await tick();
    expect(document.activeElement).toBe(field);
    action.update({ key: 0, start: 'h1' });
    await tick();
    expect(document.activeElement).toBe(field);
    action.update({ key: null, start: null });
    await tick();
    expect(document.activeElement).toBe(field);
    action.update({ key: 1, start: 'h1' });
    await tick();
    expect(document.activeElement?.textContent).toBe('Restore');
  });
});
