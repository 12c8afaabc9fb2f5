/** Generates src/spec/cluster.validate.generated.ts's content from the schema under `root`. */
export function generateValidator(root: string): Promise<string>;
