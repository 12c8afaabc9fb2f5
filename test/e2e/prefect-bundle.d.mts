export const PREFECT_VERSION: string;
export const BUNDLE_FOLDER: string;
export function prefectBundle(): { file: string; sha256: string };
