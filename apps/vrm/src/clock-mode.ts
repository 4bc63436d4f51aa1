// The clock's mode as it acts here. `VIRTSIM_SIM_RATE=manual` (what-if forks) keeps it manual whatever the log says.
import { inventory } from '@virtsim/domain';
import type { Vrm } from './vrm.service.js';

export const effectiveClockMode = (vrm: Vrm): inventory.SimClockMode =>
  (vrm.ctx.config.VIRTSIM_SIM_RATE === 'manual' ? inventory.simClockDecider.initialState() : vrm.state.clockMode);
