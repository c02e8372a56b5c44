// electron-builder's beforePack hook (electron-builder.yml): refuses to package SiteVault for a
// system whose native binaries are not in node_modules. The keychain library,
// @napi-rs/keyring, ships one npm package per system and npm installs only the current
// system's, so `npm run dist:win` on Linux would otherwise pack a Windows app that cannot
// reach the keychain. Each package is built on its own system (README, "Packages").
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** electron-builder's Arch enum (builder-util), by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

const KEYRING_PACKAGES = {
  'linux-x64': ['@napi-rs/keyring-linux-x64-gnu'],
  'linux-arm64': ['@napi-rs/keyring-linux-arm64-gnu'],
  'linux-armv7l': ['@napi-rs/keyring-linux-arm-gnueabihf'],
  'darwin-x64': ['@napi-rs/keyring-darwin-x64'],
  'darwin-arm64': ['@napi-rs/keyring-darwin-arm64'],
  'darwin-universal': ['@napi-rs/keyring-darwin-x64', '@napi-rs/keyring-darwin-arm64'],
  'win32-x64': ['@napi-rs/keyring-win32-x64-msvc'],
  'win32-arm64': ['@napi-rs/keyring-win32-arm64-msvc'],
  'win32-ia32': ['@napi-rs/keyring-win32-ia32-msvc'],
};

/** The native packages a build for `platform`/`arch` needs and `nodeModules` lacks. */
export function missingNativeBinaries(platform, arch, nodeModules) {
  const needed = KEYRING_PACKAGES[`${platform === 'mas' ? 'darwin' : platform}-${arch}`];
  if (!needed) return [`@napi-rs/keyring for ${platform} ${arch} (SiteVault is not packaged for that system)`];
  return needed.filter((name) => {
    const dir = join(nodeModules, name);
    return !existsSync(dir) || !readdirSync(dir).some((file) => file.endsWith('.node'));
  });
}

export function missingBinariesMessage(platform, arch, missing) {
  return (
    `Cannot package SiteVault for ${platform} ${arch} on this ${process.platform} ${process.arch} machine: ` +
    `${missing.join(', ')} (the keychain's native binary for that system) is not in node_modules, because npm installs only this system's. ` +
    'Build each package on its own system: npm run dist:linux on Linux, npm run dist:mac on macOS, npm run dist:win on Windows.'
  );
}

export default async function beforePack(context) {
  const platform = context.electronPlatformName;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const missing = missingNativeBinaries(platform, arch, join(context.packager.info.projectDir, 'node_modules'));
  if (missing.length > 0) throw new Error(missingBinariesMessage(platform, arch, missing));
}
