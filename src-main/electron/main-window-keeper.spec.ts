import { describe, expect, it } from 'vitest';
import { MainWindowKeeper, type KeptWindow } from './main-window-keeper';

class FakeWindow implements KeptWindow {
  destroyed = false;
  minimized = false;
  calls: string[] = [];
  isDestroyed = () => this.destroyed;
  isMinimized = () => this.minimized;
  restore = () => void this.calls.push('restore');
  show = () => void this.calls.push('show');
  focus = () => void this.calls.push('focus');
}

function keeper() {
  const created: FakeWindow[] = [];
  const kept = new MainWindowKeeper(() => {
    const window = new FakeWindow();
    created.push(window);
    return window;
  });
  return { kept, created };
}

describe('the main window', () => {
  it('is not created by a second instance or a Dock click during start-up, and only once after', () => {
    const { kept, created } = keeper();
    kept.show();
    kept.show();
    expect(created).toHaveLength(0);
    kept.started();
    expect(created).toHaveLength(1);
    kept.show();
    expect(created).toHaveLength(1);
    expect(created[0]!.calls).toEqual(['show', 'focus']);
  });

  it('is restored when minimised, and created again once the user closed it', () => {
    const { kept, created } = keeper();
    kept.started();
    created[0]!.minimized = true;
    kept.show();
    expect(created[0]!.calls).toEqual(['restore', 'show', 'focus']);
    kept.closed();
    expect(kept.window).toBeNull();
    kept.show();
    expect(created).toHaveLength(2);
  });

  it('does not hand out a destroyed window', () => {
    const { kept, created } = keeper();
    kept.started();
    created[0]!.destroyed = true;
    expect(kept.window).toBeNull();
    kept.show();
    expect(created).toHaveLength(2);
  });
});
