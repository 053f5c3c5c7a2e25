import { COMMAND_NAMES } from '@shared/contract'; console.log('main', COMMAND_NAMES.length);
