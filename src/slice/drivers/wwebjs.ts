/**
 * The real driver on whatsapp-web.js (placeholder until issue 3 lands: it refuses
 * to start with words instead of pretending).
 */
import type { SliceConfig } from '../config';
import type { Logger } from '../instance-manager';
import type { DriverFactory, WhatsAppDriver } from './driver';
import { DriverNotReadyError } from './driver';

export function createWwebjsFactory(_config: SliceConfig, _log?: Logger): DriverFactory {
  return (): WhatsAppDriver => ({
    name: 'whatsapp-web.js',
    async initialize() {
      throw new Error('The whatsapp-web.js driver is not in this build yet. Run slices with SLICE_DRIVER=simulated.');
    },
    async destroy() {},
    async logout() {},
    async sendText() {
      throw new DriverNotReadyError();
    },
    async listChats() {
      throw new DriverNotReadyError();
    },
    async listMessages() {
      throw new DriverNotReadyError();
    },
  });
}
