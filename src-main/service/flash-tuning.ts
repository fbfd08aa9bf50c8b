// Knobs for the flash that the service passes through (tests and the demo use shorter limits
// than the field). Its own file so the service and its fleet run share it without importing each other.

import type { FlashOptions } from '../flows/flash.js';

export type FlashTuning = Partial<
  Pick<
    FlashOptions,
    'openTimeoutMs' | 'helloTimeoutMs' | 'saharaPacketTimeoutMs' | 'timeouts' | 'recovery' | 'maxPayload'
  >
>;
