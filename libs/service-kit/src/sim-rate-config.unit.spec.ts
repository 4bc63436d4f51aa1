// VIRTSIM_SIM_RATE: a rate of simulated seconds per real second, or `manual`; anything else stops the start.
import { ConfigError, loadConfig } from './config.js';

describe('VIRTSIM_SIM_RATE', () => {
  it('unset, a rate or manual', () => {
    expect(loadConfig({}).VIRTSIM_SIM_RATE).toBeUndefined();
    expect(loadConfig({ VIRTSIM_SIM_RATE: '60' }).VIRTSIM_SIM_RATE).toBe(60);
    expect(loadConfig({ VIRTSIM_SIM_RATE: '0.5' }).VIRTSIM_SIM_RATE).toBe(0.5);
    expect(loadConfig({ VIRTSIM_SIM_RATE: 'manual' }).VIRTSIM_SIM_RATE).toBe('manual');
  });

  it('0, negative, above a week per second or a word is refused with the name', () => {
    for (const bad of ['0', '-1', '604801', 'fast']) {
      expect(() => loadConfig({ VIRTSIM_SIM_RATE: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ VIRTSIM_SIM_RATE: bad })).toThrow(/VIRTSIM_SIM_RATE/);
    }
  });
});
