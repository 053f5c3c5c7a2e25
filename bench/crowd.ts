/**
 * The crowd baseline, for either runtime: N bare starts at once (the engine's own answer:
 * `docker run` or `docker service create`) → every one healthy, against N connects at once
 * through the core → every first QR, in the same run, round after round (bare first, then
 * the core; the first round warms both and is discarded). The ratio is core / bare per round.
 */
import { percentile, round, summarize, type Summary } from './stats';

export interface CrowdRound {
  bareMs: number;
  coreMs: number;
  ratio: number;
}

export interface CrowdResult {
  n: number;
  rounds: CrowdRound[];
  bareMs: Summary;
  coreMs: Summary;
  ratio: { p50: number; min: number; max: number };
}

export async function crowdRounds(n: number, rounds: number, bare: (n: number) => Promise<number>, core: (n: number) => Promise<number>): Promise<CrowdResult> {
  const kept: CrowdRound[] = [];
  for (let i = 0; i <= rounds; i++) {
    const bareMs = await bare(n);
    const coreMs = await core(n);
    if (i === 0) continue;
    kept.push({ bareMs: Math.round(bareMs), coreMs: Math.round(coreMs), ratio: round(coreMs / bareMs, 2) });
  }
  const ratios = kept.map((r) => r.ratio);
  return {
    n,
    rounds: kept,
    bareMs: summarize(kept.map((r) => r.bareMs)),
    coreMs: summarize(kept.map((r) => r.coreMs)),
    ratio: { p50: round(percentile(ratios, 50), 2), min: Math.min(...ratios), max: Math.max(...ratios) },
  };
}

/** One line for the table: "bare p50 X ms, core p50 Y ms → ratio p50 Z× (min–max)". */
export function crowdLine(result: CrowdResult): string {
  return `bare ${result.bareMs.p50} ms, core ${result.coreMs.p50} ms → ${result.ratio.p50}× (${result.ratio.min}–${result.ratio.max}×, ${result.rounds.length} rounds)`;
}
