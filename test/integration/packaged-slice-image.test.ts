/**
 * Build image from the installed app: what `npm run dist` ships as resources/slice-image
 * (the two scripts, the slice bundle prebuilt at packaging time, the versions the build
 * reads) builds a working slice image with no sources, no node_modules and no esbuild
 * around it — run as the desktop app runs it, inside "Electron" (process.versions.electron
 * set, process.execPath not a Node), where the Node copied into the image must be the
 * machine's `node`, never Electron's binary.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageSliceImageInputs } from '../../scripts/dist.mjs';
import { REPO } from '../helpers/project-copy';

const dockerCli = '/usr/bin/docker';
let scratch: string;
let stage: string;
let asElectron: string;

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: scratch, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'slicedeck-packaged-image-'));
  stage = await stageSliceImageInputs(REPO, join(scratch, 'resources', 'slice-image'));
  asElectron = join(scratch, 'as-electron.mjs');
  // Inside Electron, process.execPath is the app's binary and process.version the Node it embeds.
  writeFileSync(
    asElectron,
    "Object.defineProperty(process.versions, 'electron', { value: '39.8.10' });\nObject.defineProperty(process, 'version', { value: 'v22.99.0' });\nprocess.execPath = '/opt/slicedeck/slicedeck';\n",
  );
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the slice image from an installed app’s resources', () => {
  it('builds from the prebuilt bundle, with the machine’s node in the image', async () => {
    const built = await run(process.execPath, ['--import', asElectron, join(stage, 'scripts', 'slice-image.mjs')], { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: scratch });
    expect(built.code, built.output).toBe(0);
    const hash12 = /\(hash ([0-9a-f]{12})/.exec(built.output)?.[1];
    expect(hash12, built.output).toBeDefined();

    // The image runs the bundle that was shipped, with a working node.
    const shipped = createHash('sha256').update(readFileSync(join(stage, 'prebuilt', 'slice.mjs'))).digest('hex');
    const inImage = await run(dockerCli, ['run', '--rm', '--network', 'none', `slicedeck-slice:${hash12}`, 'node', '-e', "process.stdout.write(require('crypto').createHash('sha256').update(require('fs').readFileSync('/app/slice.mjs')).digest('hex'))"], process.env);
    expect(inImage.code, inImage.output).toBe(0);
    expect(inImage.output.trim()).toBe(shipped);
  });

  it('says to install Node when the machine has none (Electron’s binary is no Node for the image)', async () => {
    const refused = await run(process.execPath, ['--import', asElectron, join(stage, 'scripts', 'slice-image.mjs')], { PATH: '/nonexistent', HOME: scratch });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('Building the slice image needs Node.js (20 or newer) on this machine');
    expect(refused.output).toContain('SLICEDECK_NODE_BINARY');
  });
});
