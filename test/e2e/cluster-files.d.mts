export const SECRETS: Record<string, string>;
export const SECRET_ENV: Record<string, string>;
export function writeClusterFiles(dir: string, nodes: readonly { name: string; address: string }[], identityFile: string): string;
export function writeApplyCluster(
  dir: string,
  nodes: readonly { name: string; address: string }[],
  identityFile: string,
  options?: { envName?: string; failing?: boolean; padBytes?: number; env?: { source: string; path?: string }; workerSettings?: Record<string, Record<string, string>>; ssh?: Record<string, string>; root?: string },
): { file: string; envFile: string };
export function writeTestEnv(dir: string, name: string, failing: boolean, padBytes?: number, prefect?: string): string;
export function writeFlowEnv(dir: string, name: string): { file: string; sha256: string };
export const PREFECT_MAIN: string;
export function clusterHead(name: string, nodes: readonly { name: string; address: string }[], identityFile: string, ssh?: Record<string, string>): string;
export function bundleArtifactsYaml(envs: Record<string, { file: string; sha256?: string }>, debPins?: Record<string, string>): string;
export function serverYaml(o: { node: string; port: number; user: string; hash: string; prefectPort?: number; backupsKeep?: number; extraDirectives?: string[] }): string;
export function demoObjectsYaml(k?: { secondaryPriority?: number; dailyCron?: string; dailyRows?: number; hourlyPaused?: boolean; withHourly?: boolean; withReport?: boolean }): string;
