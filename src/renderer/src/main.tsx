import { STAGE_INFO } from '@shared/stages'; document.getElementById('root')!.textContent = STAGE_INFO.pending.message;
