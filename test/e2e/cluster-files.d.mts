export const SECRETS: Record<string, string>;
export const SECRET_ENV: Record<string, string>;
export function writeClusterFiles(dir: string, nodes: readonly { name: string; address: string }[], identityFile: string): string;
