export function missingNativeBinaries(platform: string, arch: string, nodeModules: string): string[];
export function missingBinariesMessage(platform: string, arch: string, missing: readonly string[]): string;
export default function beforePack(context: { electronPlatformName: string; arch: number; packager: { info: { projectDir: string } } }): Promise<void>;
