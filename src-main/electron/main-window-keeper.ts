/** What the keeper needs of a BrowserWindow. */
export interface KeptWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

/**
 * The one main window. It is created once start-up has finished (the core is open, the IPC
 * handlers are registered); a request before that (a second instance started meanwhile, a
 * Dock click) creates nothing, because the window is on its way. Afterwards a request shows
 * and focuses the window, or creates it again if the user closed it (the app lives on in
 * the tray).
 */
export class MainWindowKeeper<W extends KeptWindow> {
  #window: W | null = null;
  #started = false;

  constructor(private readonly create: () => W) {}

  get window(): W | null {
    return this.#window && !this.#window.isDestroyed() ? this.#window : null;
  }

  /** Start-up has finished: open the first window. */
  started(): void {
    this.#started = true;
    this.show();
  }

  show(): void {
    if (!this.#started) return;
    const window = this.window;
    if (!window) {
      this.#window = this.create();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  /** The window was closed. */
  closed(): void {
    this.#window = null;
  }
}
