import { useState } from 'react';
import type { SystemStatus } from '@shared/types';
import { useActions } from './state/context';
import { messageOf } from './state/store';

/**
 * Asking the host to build the slice image, for every place that offers the button:
 * `building` while the host says so (another window or a reload may have started it)
 * or while our request is on its way; `refusal` holds the host's words when it says no.
 */
export function useBuildImage(system: SystemStatus | null | undefined): { building: boolean; refusal: string | null; build(): Promise<void> } {
  const { buildImage } = useActions();
  const [asking, setAsking] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const build = async () => {
    setAsking(true);
    setRefusal(null);
    try {
      await buildImage();
    } catch (error) {
      setRefusal(messageOf(error));
    } finally {
      setAsking(false);
    }
  };
  return { building: system?.image === 'building' || asking, refusal, build };
}
