/** Generates src/spec/cluster.generated.ts's content from the schema under `root`. */
export function generateTypes(root: string): Promise<string>;
