import { BRIDGE_KEY } from '@shared/client'; console.log(BRIDGE_KEY);
