/** Every key of the terminal UI, by screen: the help overlay draws this table. */
export const KEY_HELP: { screen: string; keys: [string, string][] }[] = [
  {
    screen: 'Everywhere',
    keys: [
      ['F1  h  ?', 'this help (any key closes it)'],
      ['Esc  q  Ctrl-C', 'back; quit from the dialog list; quit'],
      ['↑ ↓ PgUp PgDn Home End', 'move (Ctrl-F, Ctrl-B: page)'],
      ['F2  v', 'verdict and findings'],
    ],
  },
  {
    screen: 'Dialog list',
    keys: [
      ['Enter  F4  x', 'call flow of the selected call'],
      ['F3  /', 'search From, To, Call-ID, address, rule'],
      ['F7  f', 'only calls with findings'],
      ['m  i  e', 'method (cycle), INVITE only, state (cycle)'],
      ['F5  c', 'clear search and filters'],
      ['<  >  z', 'sort by previous / next column, reverse'],
    ],
  },
  {
    screen: 'Call flow',
    keys: [
      ['↑ ↓', 'select a message'],
      ['Enter  F6  r', 'raw message and what the router changed'],
    ],
  },
  {
    screen: 'Message',
    keys: [
      ['Tab  s', 'raw text of the copy at the other side'],
      ['← →  p  n', 'previous / next message'],
      ['↑ ↓ PgUp PgDn', 'scroll'],
    ],
  },
  {
    screen: 'Findings',
    keys: [
      ['↑ ↓  ← →', 'select a finding, an evidence item'],
      ['PgUp PgDn', 'scroll the details'],
      ['Enter', 'open the message the evidence cites'],
    ],
  },
];
