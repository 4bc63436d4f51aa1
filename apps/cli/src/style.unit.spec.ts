// Colour only on a terminal, never with NO_COLOR or TERM=dumb; FORCE_COLOR forces it.
import { colourWanted, painter, stateStyle, visibleLength } from './style.js';

test('colour follows the terminal, NO_COLOR, TERM=dumb and FORCE_COLOR', () => {
  expect(colourWanted({ isTTY: true, env: {} })).toBe(true);
  expect(colourWanted({ isTTY: false, env: {} })).toBe(false);
  expect(colourWanted({ isTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
  expect(colourWanted({ isTTY: true, env: { NO_COLOR: '' } })).toBe(true); // an empty NO_COLOR is unset (no-color.org)
  expect(colourWanted({ isTTY: true, env: { TERM: 'dumb' } })).toBe(false);
  expect(colourWanted({ isTTY: false, env: { FORCE_COLOR: '1' } })).toBe(true);
  expect(colourWanted({ isTTY: false, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toBe(false);
});

test('a painter that is off leaves text alone; colour takes no width', () => {
  expect(painter(false)('red', 'x')).toBe('x');
  const red = painter(true)('red', 'failed');
  expect(red).toBe('\u001b[31mfailed\u001b[39m');
  expect(visibleLength(red)).toBe(6);
});

test('states: green when well, yellow in between, red when wrong', () => {
  expect(stateStyle('running')).toBe('green');
  expect(stateStyle('maintenance')).toBe('yellow');
  expect(stateStyle('failed')).toBe('red');
  expect(stateStyle('weird')).toBeUndefined();
});
