import { describe, expect, it } from 'vitest';
import { cpuPercent, memoryInUse, memoryLimit } from '../../../src/main/core/slices/docker-stats';
import type { RawContainerStats } from '../../../src/main/core/docker/runtime';

function cpu(total: number, system: number, before: { total: number; system: number }, onlineCpus?: number, perCpu?: number[]): RawContainerStats {
  return {
    cpu_stats: { cpu_usage: { total_usage: total, ...(perCpu ? { percpu_usage: perCpu } : {}) }, system_cpu_usage: system, ...(onlineCpus !== undefined ? { online_cpus: onlineCpus } : {}) },
    precpu_stats: { cpu_usage: { total_usage: before.total }, system_cpu_usage: before.system },
  };
}

describe('cpuPercent (as the docker CLI computes it)', () => {
  it('is the container delta over the host delta, times the online CPUs', () => {
    // The container used 0.5 s of CPU while the host's 2 CPUs together ticked 2 s: a quarter of the host, half a core.
    expect(cpuPercent(cpu(1_500_000_000, 12_000_000_000, { total: 1_000_000_000, system: 10_000_000_000 }, 2))).toBeCloseTo(50);
  });

  it('reads 200 % for two busy cores', () => {
    expect(cpuPercent(cpu(2_000, 2_000, { total: 0, system: 0 }, 2))).toBeCloseTo(200);
  });

  it('counts the per-CPU entries when the engine leaves online_cpus out', () => {
    expect(cpuPercent(cpu(150, 1_200, { total: 100, system: 1_000 }, undefined, [1, 2, 3, 4]))).toBeCloseTo(100);
  });

  it('is 0 for an idle container or a clock that did not move', () => {
    expect(cpuPercent(cpu(100, 2_000, { total: 100, system: 1_000 }, 2))).toBe(0);
    expect(cpuPercent(cpu(200, 1_000, { total: 100, system: 1_000 }, 2))).toBe(0);
  });

  it('is null without a previous reading (a stopped container, or a one-shot answer)', () => {
    expect(cpuPercent({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 9 }, precpu_stats: {} })).toBeNull();
    expect(cpuPercent({})).toBeNull();
  });
});

describe('memoryInUse (usage minus inactive file cache)', () => {
  it('subtracts total_inactive_file on cgroup v1', () => {
    expect(memoryInUse({ memory_stats: { usage: 10_000, stats: { total_inactive_file: 3_000, inactive_file: 1_000, cache: 5_000 } } })).toBe(7_000);
  });

  it('subtracts inactive_file on cgroup v2', () => {
    expect(memoryInUse({ memory_stats: { usage: 10_000, stats: { inactive_file: 4_000 } } })).toBe(6_000);
  });

  it('subtracts cache on engines that report nothing finer', () => {
    expect(memoryInUse({ memory_stats: { usage: 10_000, stats: { cache: 2_500 } } })).toBe(7_500);
  });

  it('keeps the raw usage when the cache figure is not below it', () => {
    expect(memoryInUse({ memory_stats: { usage: 1_000, stats: { total_inactive_file: 1_000 } } })).toBe(1_000);
    expect(memoryInUse({ memory_stats: { usage: 1_000 } })).toBe(1_000);
  });

  it('is null when the engine reports no usage (container not running)', () => {
    expect(memoryInUse({ memory_stats: {} })).toBeNull();
    expect(memoryInUse({})).toBeNull();
  });

  it('reads the limit, null when there is none', () => {
    expect(memoryLimit({ memory_stats: { limit: 268_435_456 } })).toBe(268_435_456);
    expect(memoryLimit({ memory_stats: { limit: 0 } })).toBeNull();
    expect(memoryLimit({})).toBeNull();
  });
});
