/**
 * The slices' tokens as Swarm secrets: one per slice, labelled like its service (so a
 * secret whose service never came, or is gone, is still found by home and slice),
 * mounted into the task as the token file (service-spec.ts). Removed with the slice;
 * one left behind (a host that died between making the secret and the service) is
 * swept by sweepOrphans.
 */
import type Docker from 'dockerode';
import { LABELS, homeFilter, tokenSecretName } from '../labels';
import { isInUse, removeWhenFree, statusOf, translateEngineError } from '../engine';
import type { SliceSpec } from '../runtime';

export class TokenSecrets {
  constructor(private readonly manager: () => Docker) {}

  /** Makes the slice's secret and returns its id. One left by an earlier try of the same slice is replaced. */
  async create(spec: SliceSpec): Promise<string> {
    const name = tokenSecretName(spec.homeId, spec.sliceId);
    const options = {
      Name: name,
      Labels: { [LABELS.managed]: 'true', [LABELS.home]: spec.homeId, [LABELS.sliceId]: spec.sliceId, [LABELS.accountId]: spec.accountId },
      // The newline tells the slice the file is complete (src/slice/config.ts waits for it).
      Data: Buffer.from(`${spec.token}\n`, 'utf8').toString('base64'),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const secret = (await this.manager().createSecret(options)) as unknown as { id?: string; ID?: string };
        return (secret.id ?? secret.ID)!;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt > 0) throw translateEngineError(error, `create the token secret ${name}`);
        await this.remove(name);
      }
    }
  }

  /** A secret still named by a service being removed is retried briefly; one already gone is not an error. */
  async remove(idOrName: string): Promise<void> {
    const busy = await removeWhenFree(() => this.manager().getSecret(idOrName).remove(), isInUse).catch((error: unknown) => error);
    if (busy) throw translateEngineError(busy, "remove the slice's token secret");
  }

  /**
   * Removes this home's secrets whose slice has no service and is not kept; how many.
   * Secrets are listed before the services and before `keep` is asked: a secret made
   * after the listing is not judged, and one whose service or row appears meanwhile is
   * seen with it. A secret whose service still exists stays: the service is an orphan
   * slice for the reconciler, and its removal takes the secret.
   */
  async sweep(homeId: string, keep: (sliceId: string) => boolean): Promise<number> {
    let secrets: { ID: string; Spec?: { Labels?: Record<string, string> } }[];
    let withService: Set<string | undefined>;
    try {
      secrets = (await this.manager().listSecrets({ filters: { label: homeFilter(homeId) } })) as typeof secrets;
      const services = (await this.manager().listServices({ filters: { label: homeFilter(homeId) } })) as { Spec?: { Labels?: Record<string, string> } }[];
      withService = new Set(services.map((s) => s.Spec?.Labels?.[LABELS.sliceId]));
    } catch (error) {
      throw translateEngineError(error, "list the slices' token secrets");
    }
    let removed = 0;
    for (const secret of secrets) {
      const sliceId = secret.Spec?.Labels?.[LABELS.sliceId];
      // A secret we cannot attribute to a slice is not ours to judge.
      if (!sliceId || withService.has(sliceId) || keep(sliceId)) continue;
      await this.remove(secret.ID);
      removed++;
    }
    return removed;
  }
}
