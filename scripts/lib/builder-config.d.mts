// Types for builder-config.mjs (plain JS: scripts/dist.mjs runs it before anything is built).
export const PRODUCT_NAME: string;
export const APP_ID: string;
export const SLICE_IMAGE_STAGE: string;
export const PACKAGED_SQLITE_BINDING: string;
export interface ExtraResource {
  from: string;
  to: string;
  filter?: string[];
}
export interface BuilderConfig {
  appId: string;
  productName: string;
  executableName: string;
  electronVersion: string;
  directories: { output: string; buildResources: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  nodeGypRebuild: boolean;
  extraResources: ExtraResource[];
  icon: string;
  linux: { target: string[]; category: string; icon: string; synopsis: string; maintainer: string; executableName: string };
  deb: { recommends: string[] };
  mac: { target: string[]; category: string; icon: string };
  win: { target: string[]; icon: string };
  nsis: Record<string, unknown>;
  [key: string]: unknown;
}
export function builderConfig(inputs: { electronVersion: string; sqliteBinding: string; sliceImageStage?: string; electronCache?: string | undefined }): BuilderConfig;
