import { describe, expect, it } from 'vitest';
import {
  buildState,
  chromiumAction,
  dependencyState,
  engineAction,
  engineEndpoint,
  installCommand,
  lockfilesAgree,
  manifestMatchesLockfile,
  missingEngineOutcome,
  parseSetupArgs,
  sliceImagePlan,
} from '../../scripts/lib/setup-plan.mjs';

describe('setup arguments', () => {
  it('accepts each mode', () => {
    for (const mode of ['start', 'serve', 'test', 'bench', 'slice-image'] as const) {
      expect(parseSetupArgs([mode])).toEqual({ mode, forceImage: false, chromium: false });
    }
  });

  it('takes --force-image (or --force) to rebuild the slice image', () => {
    expect(parseSetupArgs(['slice-image', '--force'])).toEqual({ mode: 'slice-image', forceImage: true, chromium: false });
    expect(parseSetupArgs(['test', '--force-image'])).toEqual({ mode: 'test', forceImage: true, chromium: false });
    expect(parseSetupArgs(['slice-image', '--chromium'])).toEqual({ mode: 'slice-image', forceImage: false, chromium: true });
  });

  it('takes --image=<ref> and --from=<engine> for slice-image only (the image to put on a swarm\'s nodes, the engine holding it)', () => {
    expect(parseSetupArgs(['slice-image', '--image=reg.example:5000/s:1', '--from=unix:///var/run/docker.sock'])).toEqual({
      mode: 'slice-image',
      forceImage: false,
      chromium: false,
      image: 'reg.example:5000/s:1',
      from: 'unix:///var/run/docker.sock',
    });
    expect(parseSetupArgs(['test', '--image=x:1']).error).toMatch(/--image and --from belong to slice-image/);
    expect(parseSetupArgs(['slice-image', '--image=']).error).toMatch(/--image= needs a value/);
    expect(parseSetupArgs(['slice-image', '--from=10.0.0.1:2375']).error).toMatch(/--from=10\.0\.0\.1:2375 is not an engine endpoint/);
  });

  it('refuses a missing, unknown or doubled mode with the usage line', () => {
    for (const argv of [[], ['deploy'], ['start', 'test'], ['start', '--yes']]) {
      const parsed = parseSetupArgs(argv);
      expect(parsed.error).toMatch(/usage: node scripts\/setup\.mjs <start\|serve\|test\|bench\|slice-image\|dist>/);
    }
  });
});

describe('dependency staleness', () => {
  const base = { nodeModulesExists: true, installedAt: 1000, manifestTimes: [900, 950], sameDependencies: () => false };

  it('installs when node_modules or npm’s record of the install is missing', () => {
    expect(dependencyState({ ...base, nodeModulesExists: false })).toBe('missing');
    expect(dependencyState({ ...base, installedAt: null })).toBe('missing');
  });

  it('skips when the install is newer than package.json and the lockfile', () => {
    expect(dependencyState(base)).toBe('fresh');
  });

  it('reinstalls when a newer manifest declares different dependencies', () => {
    expect(dependencyState({ ...base, manifestTimes: [1200, 950] })).toBe('stale');
  });

  it('does not reinstall when only the scripts of a newer package.json changed', () => {
    expect(dependencyState({ ...base, manifestTimes: [1200, 950], sameDependencies: () => true })).toBe('fresh');
  });

  it('tolerates a missing lockfile time', () => {
    expect(dependencyState({ ...base, manifestTimes: [900, null] })).toBe('fresh');
  });

  it('uses npm ci with a lockfile, npm install without, never downloading puppeteer’s browser', () => {
    expect(installCommand({ hasLockfile: true })).toEqual({
      command: 'npm',
      args: ['ci', '--no-audit', '--no-fund'],
      env: { PUPPETEER_SKIP_DOWNLOAD: '1' },
    });
    expect(installCommand({ hasLockfile: false }).args[0]).toBe('install');
  });
});

describe('lockfile comparison', () => {
  const lockfile = {
    packages: {
      '': { dependencies: { zod: '^4.0.0' }, devDependencies: { vitest: '^4.1.0' } },
      'node_modules/zod': { version: '4.1.0' },
      'node_modules/@esbuild/darwin-arm64': { version: '0.28.2', optional: true },
    },
  };

  it('agrees when every required package is installed at the locked version', () => {
    expect(lockfilesAgree(lockfile, { packages: { 'node_modules/zod': { version: '4.1.0' } } })).toBe(true);
  });

  it('disagrees on a different or missing version', () => {
    expect(lockfilesAgree(lockfile, { packages: { 'node_modules/zod': { version: '4.0.9' } } })).toBe(false);
    expect(lockfilesAgree(lockfile, { packages: {} })).toBe(false);
    expect(lockfilesAgree(lockfile, null)).toBe(false);
  });

  it('matches package.json against the lockfile’s root entry', () => {
    const manifest = { scripts: { test: 'anything' }, dependencies: { zod: '^4.0.0' }, devDependencies: { vitest: '^4.1.0' } };
    expect(manifestMatchesLockfile(manifest, lockfile)).toBe(true);
    expect(manifestMatchesLockfile({ ...manifest, dependencies: { zod: '^4.0.0', pino: '^10.0.0' } }, lockfile)).toBe(false);
  });
});

describe('a Docker engine that does not answer', () => {
  const linuxRoot = { reachable: false, dockerHost: undefined, platform: 'linux' as const, isRoot: true, dockerdInstalled: true, aptAvailable: true };

  it('does nothing when the engine answers', () => {
    expect(engineAction({ ...linuxRoot, reachable: true })).toEqual({ kind: 'ready' });
  });

  it('starts dockerd as root on Linux, installing docker.io first when dockerd is absent', () => {
    expect(engineAction(linuxRoot)).toEqual({ kind: 'start-local', installFirst: false });
    expect(engineAction({ ...linuxRoot, dockerdInstalled: false })).toEqual({ kind: 'start-local', installFirst: true });
  });

  it('never starts a local daemon when DOCKER_HOST points elsewhere', () => {
    const action = engineAction({ ...linuxRoot, dockerHost: 'tcp://10.0.0.5:2375' });
    expect(action.kind).toBe('advise');
    expect(action.kind === 'advise' && action.words).toContain('DOCKER_HOST=tcp://10.0.0.5:2375');
  });

  it('tells a non-root Linux user how to start Docker', () => {
    const action = engineAction({ ...linuxRoot, isRoot: false });
    expect(action.kind === 'advise' && action.words).toContain('sudo systemctl start docker');
  });

  it('tells a macOS or Windows user to start Docker Desktop or use DOCKER_HOST', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const action = engineAction({ ...linuxRoot, platform });
      expect(action.kind === 'advise' && action.words).toMatch(/Start Docker Desktop.*DOCKER_HOST/);
    }
  });

  it('advises when root but neither dockerd nor apt-get exists', () => {
    const action = engineAction({ ...linuxRoot, dockerdInstalled: false, aptAvailable: false });
    expect(action.kind).toBe('advise');
  });

  it('fails the tests, the bench and the image build, but lets the panel open', () => {
    expect(missingEngineOutcome('test')).toBe('fail');
    expect(missingEngineOutcome('bench')).toBe('fail');
    expect(missingEngineOutcome('slice-image')).toBe('fail');
    expect(missingEngineOutcome('start')).toBe('continue');
    expect(missingEngineOutcome('serve')).toBe('continue');
  });
});

describe('where the engine is', () => {
  it('defaults to the local socket', () => {
    expect(engineEndpoint(undefined, 'linux')).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('honours unix and tcp DOCKER_HOST values', () => {
    expect(engineEndpoint('unix:///run/user/1000/docker.sock', 'linux')).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(engineEndpoint('tcp://10.0.0.5:2375', 'linux')).toEqual({ host: '10.0.0.5', port: 2375, tls: false });
    expect(engineEndpoint('tcp://10.0.0.5', 'linux', { tls: true })).toEqual({ host: '10.0.0.5', port: 2376, tls: true });
  });

  it('says so when DOCKER_HOST is not an address', () => {
    expect(engineEndpoint('ssh://me@host', 'linux')).toHaveProperty('error');
  });
});

describe('which slice image', () => {
  it('is the small simulated-driver image for the tests and the bench, whatever the environment says', () => {
    for (const mode of ['test', 'bench'] as const) {
      expect(sliceImagePlan({ mode, env: { SLICEDECK_DRIVER: 'whatsapp-web.js' } })).toEqual({ kind: 'build', withChromium: false });
    }
  });

  it('is the Chromium image for the panel with the real driver (the default), the small one in simulation', () => {
    expect(sliceImagePlan({ mode: 'start', env: {} })).toEqual({ kind: 'build', withChromium: true });
    expect(sliceImagePlan({ mode: 'serve', env: { SLICEDECK_DRIVER: 'simulated' } })).toEqual({ kind: 'build', withChromium: false });
    expect(sliceImagePlan({ mode: 'serve', env: { SLICEDECK_IMAGE: 'slicedeck-slice:chromium', SLICEDECK_DRIVER: 'simulated' } })).toEqual({
      kind: 'build',
      withChromium: true,
    });
  });

  it('builds nothing for an operator’s own image', () => {
    expect(sliceImagePlan({ mode: 'start', env: { SLICEDECK_IMAGE: 'registry.example/slice:7' } })).toEqual({ kind: 'custom', image: 'registry.example/slice:7' });
  });

  it('follows --chromium for npm run slice:image', () => {
    expect(sliceImagePlan({ mode: 'slice-image' })).toEqual({ kind: 'build', withChromium: false });
    expect(sliceImagePlan({ mode: 'slice-image', chromium: true })).toEqual({ kind: 'build', withChromium: true });
  });
});

describe('chromium and the build', () => {
  it('installs Chromium with apt-get as root, otherwise says how', () => {
    const observed = { present: false, path: '/usr/bin/chromium', platform: 'linux' as const, isRoot: true, aptAvailable: true };
    expect(chromiumAction(observed)).toEqual({ kind: 'install' });
    expect(chromiumAction({ ...observed, present: true })).toEqual({ kind: 'ready' });
    const advice = chromiumAction({ ...observed, isRoot: false });
    expect(advice.kind === 'advise' && advice.words).toMatch(/apt-get install -y chromium.*SLICEDECK_CHROMIUM/);
  });

  it('builds when out/ or its hash is missing, rebuilds when the inputs changed', () => {
    expect(buildState({ outExists: false, recordedHash: 'abc', currentHash: 'abc' })).toBe('missing');
    expect(buildState({ outExists: true, recordedHash: null, currentHash: 'abc' })).toBe('missing');
    expect(buildState({ outExists: true, recordedHash: 'abc\n', currentHash: 'abc' })).toBe('fresh');
    expect(buildState({ outExists: true, recordedHash: 'abc', currentHash: 'def' })).toBe('stale');
  });
});
