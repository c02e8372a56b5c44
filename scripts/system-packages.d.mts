export const DEBIAN_PACKAGES: string[];
export function missingPackages(wanted: readonly string[]): string[];
export function isDebianLike(osRelease: string): boolean;
export type PackagePlan = { action: 'none' } | { action: 'install'; packages: string[] } | { action: 'instruct'; message: string };
export function packagePlan(facts: { missing: readonly string[]; debianLike: boolean; root: boolean; aptGet: boolean }): PackagePlan;
export function ensureDebianPackages(wanted?: readonly string[]): boolean;
