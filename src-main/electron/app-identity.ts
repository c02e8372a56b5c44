/**
 * The app's identity where the operating system needs it. Each must equal what the packages
 * install (checked against electron-builder.yml and package.json in tests/unit/packaging.spec.ts).
 */

/** electron-builder's `appId`: the Windows installer gives its shortcuts this AppUserModelID, and
 * Windows shows a notification only for an app whose id matches an installed shortcut. */
export const APP_USER_MODEL_ID = 'app.sitevault.desktop';

/** package.json's `desktopName`: the deb's .desktop file, the name the Linux autostart entry takes. */
export const DESKTOP_FILE_NAME = 'sitevault.desktop';
