// Colour on a terminal: only when the stream is a TTY, NO_COLOR is unset (https://no-color.org) and TERM is not
// "dumb"; FORCE_COLOR=1 turns it on anywhere (pure decision, so it is testable without a terminal).
export interface ColourEnv {
  isTTY?: boolean;
  env?: Record<string, string | undefined>;
}

export function colourWanted({ isTTY, env = process.env }: ColourEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return !!isTTY;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof CODES;

export type Paint = (style: Style, text: string) => string;

export function painter(on: boolean): Paint {
  return on ? (style, text) => `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m` : (_style, text) => text;
}

/** the style a state word gets: green when all is well, yellow in between, red when something is wrong */
export function stateStyle(state: string): Style | undefined {
  if (/^(running|connected|on|succeeded|ok|poweredOn|healthy)$/i.test(state)) return 'green';
  if (/(fail|error|crash|lost|isolat|down|unreachable|refused)/i.test(state)) return 'red';
  if (/(maint|migrat|queued|standby|suspend|stopped|off|pending|entering|starting|stopping)/i.test(state)) return 'yellow';
  return undefined;
}

/** the visible width of a string (colour escapes take no room) */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex -- the CSI colour sequences this module writes
  return s.replace(/\u001b\[\d+m/g, '').length;
}
