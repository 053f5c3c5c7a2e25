// Types for dist.mjs (plain JS, run by npm run dist).
export function stageSliceImageInputs(root?: string, stage?: string): Promise<string>;
