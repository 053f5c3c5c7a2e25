import { COMMAND_NAMES } from '@shared/contract'; console.log('serve', COMMAND_NAMES.length);
