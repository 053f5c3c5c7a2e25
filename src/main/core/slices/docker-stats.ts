/**
 * The arithmetic of `docker stats`, on the engine's raw stats answer, so the
 * Dashboard shows the same numbers an operator would get from the CLI.
 */
import type { RawContainerStats } from '../docker/runtime';

/**
 * CPU % as the docker CLI computes it: the container's CPU time delta over the
 * host's CPU time delta, times the online CPUs (so 2 busy cores read 200 %).
 * null when the engine gave no previous reading to compare with.
 */
export function cpuPercent(stats: RawContainerStats): number | null {
  const now = stats.cpu_stats;
  const before = stats.precpu_stats;
  const total = now?.cpu_usage?.total_usage;
  const system = now?.system_cpu_usage;
  const totalBefore = before?.cpu_usage?.total_usage;
  const systemBefore = before?.system_cpu_usage;
  if (total === undefined || system === undefined || totalBefore === undefined || systemBefore === undefined) return null;
  const cpuDelta = total - totalBefore;
  const systemDelta = system - systemBefore;
  // Older engines leave online_cpus out; the CLI then counts the per-CPU entries.
  const cpus = now?.online_cpus || now?.cpu_usage?.percpu_usage?.length || 1;
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * cpus * 100;
  return 0;
}

/**
 * Memory in use as the docker CLI shows it: usage minus the inactive page cache
 * (the kernel can drop that at will, so counting it would overstate the slice).
 * cgroup v1 reports `total_inactive_file`, v2 `inactive_file`, very old engines only `cache`.
 */
export function memoryInUse(stats: RawContainerStats): number | null {
  const usage = stats.memory_stats?.usage;
  if (usage === undefined) return null;
  const detail = stats.memory_stats?.stats ?? {};
  const v1 = detail.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = detail.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  const cache = detail.cache;
  if (v1 === undefined && v2 === undefined && cache !== undefined && cache < usage) return usage - cache;
  return usage;
}

/** The container's memory limit; null when the engine reports none. */
export function memoryLimit(stats: RawContainerStats): number | null {
  const limit = stats.memory_stats?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : null;
}
