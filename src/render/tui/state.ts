/**
 * Where the user is and what each key does there: a pure reducer over the screen stack, so that
 * navigation is tested without a terminal and the components only draw.
 */
import type { Side } from '../../correlate/types.js';
import type { DialogRow, ListFilter, TuiModel } from './model.js';
import { evidenceMessageId } from './findings-lines.js';
import { NO_FILTER, SORT_KEYS, cycle } from './model.js';

export type Screen =
  | { kind: 'list' }
  | { kind: 'flow'; rowId: string; selected: number }
  | { kind: 'message'; messageId: number; side?: Side; scroll: number; siblings: number[] }
  | { kind: 'findings'; selected: number; evidence: number; scroll: number };

export interface SearchInput {
  text: string;
  /** The search in effect before editing began (Esc restores it). */
  before: string;
}

export interface UiState {
  /** The list is always at the bottom; Esc/q pops. */
  stack: Screen[];
  list: { cursor: number; selectedId?: string; filter: ListFilter };
  help: boolean;
  search?: SearchInput;
  quit: boolean;
}

export const INITIAL_STATE: UiState = { stack: [{ kind: 'list' }], list: { cursor: 0, filter: NO_FILTER }, help: false, quit: false };

export type KeyName =
  | 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end'
  | 'enter' | 'escape' | 'tab' | 'backspace'
  | 'f1' | 'f2' | 'f3' | 'f4' | 'f5' | 'f6' | 'f7' | 'f8' | 'f9' | 'f10'
  | 'ctrl-c' | 'char';

export interface KeyPress {
  name: KeyName;
  /** The character typed, for name "char". */
  char?: string;
}

/** What the reducer needs to know about what is on screen. */
export interface ViewContext {
  model: TuiModel;
  /** The dialog list as filtered and sorted now. */
  visible: DialogRow[];
  /** Rows of the body area, for PgUp/PgDn. */
  page: number;
  /** Flow screen: the message id of each ladder row. */
  flowMessageIds?: number[];
  /** Message screen: lines of content; can Tab switch copies. */
  messageLineCount?: number;
  /** Findings screen: line where each evidence item of the selected finding starts. */
  evidenceStarts?: number[];
}

export function topScreen(state: UiState): Screen {
  return state.stack[state.stack.length - 1]!;
}

function replaceTop(state: UiState, screen: Screen): UiState {
  return { ...state, stack: [...state.stack.slice(0, -1), screen] };
}

function push(state: UiState, screen: Screen): UiState {
  return { ...state, stack: [...state.stack, screen] };
}

function back(state: UiState): UiState {
  return state.stack.length > 1 ? { ...state, stack: state.stack.slice(0, -1) } : { ...state, quit: true };
}

const clamp = (n: number, min: number, max: number) => Math.max(min, Math.min(max, n));

/** Up/Down/PgUp/PgDn/Home/End as a new index in a list of `count` items; undefined for other keys. */
export function moveIndex(key: KeyPress, index: number, count: number, page: number): number | undefined {
  const last = Math.max(0, count - 1);
  switch (key.name) {
    case 'up':
      return clamp(index - 1, 0, last);
    case 'down':
      return clamp(index + 1, 0, last);
    case 'pageup':
      return clamp(index - Math.max(1, page), 0, last);
    case 'pagedown':
      return clamp(index + Math.max(1, page), 0, last);
    case 'home':
      return 0;
    case 'end':
      return last;
    default:
      return undefined;
  }
}

/** Where the list cursor is now: on the same dialog as before if it is still shown. */
export function listCursor(state: UiState, visible: DialogRow[]): number {
  const { selectedId, cursor } = state.list;
  if (selectedId !== undefined) {
    const index = visible.findIndex((r) => r.id === selectedId);
    if (index >= 0) return index;
  }
  return clamp(cursor, 0, Math.max(0, visible.length - 1));
}

function setListCursor(state: UiState, index: number, visible: DialogRow[]): UiState {
  return { ...state, list: { ...state.list, cursor: index, selectedId: visible[index]?.id } };
}

function setFilter(state: UiState, filter: ListFilter): UiState {
  return { ...state, list: { ...state.list, filter } };
}

/** Opens the message view on a message, with its neighbours (for ←/→) when known. */
export function openMessage(state: UiState, messageId: number, siblings: number[] = []): UiState {
  return push(state, { kind: 'message', messageId, scroll: 0, siblings });
}

function handleSearchInput(state: UiState, search: SearchInput, key: KeyPress): UiState {
  const apply = (text: string): UiState => ({ ...setFilter(state, { ...state.list.filter, search: text }), search: { ...search, text } });
  switch (key.name) {
    case 'enter':
      return { ...state, search: undefined };
    case 'escape':
      return { ...setFilter(state, { ...state.list.filter, search: search.before }), search: undefined };
    case 'backspace':
      return apply(search.text.slice(0, -1));
    case 'char':
      return key.char ? apply(search.text + key.char) : state;
    default:
      return state;
  }
}

function handleList(state: UiState, key: KeyPress, ctx: ViewContext): UiState {
  const { visible, model } = ctx;
  const cursor = listCursor(state, visible);
  const moved = moveIndex(key, cursor, visible.length, ctx.page);
  if (moved !== undefined) return setListCursor(state, moved, visible);
  const filter = state.list.filter;
  const c = key.char;
  if (key.name === 'enter' || key.name === 'f4' || c === 'x') {
    const row = visible[cursor];
    return row ? push(setListCursor(state, cursor, visible), { kind: 'flow', rowId: row.id, selected: 0 }) : state;
  }
  if (key.name === 'f3' || c === '/') return { ...state, search: { text: filter.search, before: filter.search } };
  if (key.name === 'f7' || c === 'f') return setFilter(state, { ...filter, onlyFindings: !filter.onlyFindings });
  if (c === 'm') return setFilter(state, { ...filter, method: cycle(model.methods, filter.method) });
  if (c === 'i') return setFilter(state, { ...filter, method: filter.method === 'INVITE' ? undefined : 'INVITE' });
  if (c === 'e') return setFilter(state, { ...filter, state: cycle(model.states, filter.state) });
  if (key.name === 'f5' || c === 'c') return setFilter(state, { ...filter, search: '', method: undefined, state: undefined, onlyFindings: false });
  if (c === '<' || c === '>') {
    const step = c === '>' ? 1 : SORT_KEYS.length - 1;
    return setFilter(state, { ...filter, sort: SORT_KEYS[(SORT_KEYS.indexOf(filter.sort) + step) % SORT_KEYS.length]! });
  }
  if (c === 'z') return setFilter(state, { ...filter, descending: !filter.descending });
  return state;
}

function handleFlow(state: UiState, screen: Extract<Screen, { kind: 'flow' }>, key: KeyPress, ctx: ViewContext): UiState {
  const ids = ctx.flowMessageIds ?? [];
  const moved = moveIndex(key, screen.selected, ids.length, ctx.page);
  if (moved !== undefined) return replaceTop(state, { ...screen, selected: moved });
  if (key.name === 'enter' || key.name === 'f6' || key.char === 'r') {
    const id = ids[screen.selected];
    return id !== undefined ? openMessage(state, id, ids) : state;
  }
  return state;
}

function handleMessage(state: UiState, screen: Extract<Screen, { kind: 'message' }>, key: KeyPress, ctx: ViewContext): UiState {
  const maxScroll = Math.max(0, (ctx.messageLineCount ?? 0) - ctx.page);
  const scrolled = moveIndex(key, screen.scroll, maxScroll + 1, ctx.page);
  if (scrolled !== undefined) return replaceTop(state, { ...screen, scroll: scrolled });
  if (key.name === 'tab' || key.char === 's') {
    const pair = ctx.model.pairOf.get(screen.messageId);
    if (!pair) return state;
    const current = screen.side ?? (pair.inside.id === screen.messageId ? 'inside' : 'outside');
    return replaceTop(state, { ...screen, side: current === 'inside' ? 'outside' : 'inside' });
  }
  if (key.name === 'left' || key.name === 'right' || key.char === 'p' || key.char === 'n') {
    const index = screen.siblings.indexOf(screen.messageId);
    const next = index + (key.name === 'left' || key.char === 'p' ? -1 : 1);
    const id = index >= 0 ? screen.siblings[next] : undefined;
    if (id === undefined) return state;
    if (id < 0) return state;
    // Keep the cursor of the screen below on the message shown, so Esc lands on it.
    const below = state.stack[state.stack.length - 2];
    const stack = [...state.stack.slice(0, -1)];
    if (below?.kind === 'flow') stack[stack.length - 1] = { ...below, selected: next };
    if (below?.kind === 'findings') stack[stack.length - 1] = { ...below, evidence: next };
    return { ...state, stack: [...stack, { ...screen, messageId: id, side: screen.side, scroll: 0 }] };
  }
  return state;
}

function handleFindings(state: UiState, screen: Extract<Screen, { kind: 'findings' }>, key: KeyPress, ctx: ViewContext): UiState {
  const findings = ctx.model.result.findings;
  if (key.name === 'up' || key.name === 'down' || key.name === 'home' || key.name === 'end') {
    const selected = moveIndex(key, screen.selected, findings.length, ctx.page)!;
    return replaceTop(state, { ...screen, selected, evidence: 0, scroll: 0 });
  }
  if (key.name === 'pageup' || key.name === 'pagedown') {
    return replaceTop(state, { ...screen, scroll: Math.max(0, screen.scroll + (key.name === 'pagedown' ? ctx.page : -ctx.page)) });
  }
  const finding = findings[screen.selected];
  if (!finding) return state;
  if (key.name === 'left' || key.name === 'right') {
    const evidence = clamp(screen.evidence + (key.name === 'right' ? 1 : -1), 0, Math.max(0, finding.evidence.length - 1));
    const start = ctx.evidenceStarts?.[evidence] ?? 0;
    const scroll = start < screen.scroll || start >= screen.scroll + ctx.page - 2 ? Math.max(0, start - 1) : screen.scroll;
    return replaceTop(state, { ...screen, evidence, scroll });
  }
  if (key.name === 'enter') {
    // ←/→ in the message view then step through this finding's evidence.
    const cited = finding.evidence.map((e) => evidenceMessageId(e) ?? -1);
    const messageId = cited[screen.evidence];
    return messageId !== undefined && messageId >= 0 ? openMessage(state, messageId, cited) : state;
  }
  return state;
}

/** The new state after one key press. */
export function handleKey(state: UiState, key: KeyPress, ctx: ViewContext): UiState {
  if (key.name === 'ctrl-c') return { ...state, quit: true };
  if (state.search) return handleSearchInput(state, state.search, key);
  if (state.help) return { ...state, help: false };
  if (key.name === 'f1' || key.char === 'h' || key.char === '?') return { ...state, help: true };
  if (key.name === 'escape' || key.char === 'q') return back(state);
  const screen = topScreen(state);
  if ((key.name === 'f2' || key.char === 'v') && screen.kind !== 'findings') {
    return push(state, { kind: 'findings', selected: 0, evidence: 0, scroll: 0 });
  }
  switch (screen.kind) {
    case 'list':
      return handleList(state, key, ctx);
    case 'flow':
      return handleFlow(state, screen, key, ctx);
    case 'message':
      return handleMessage(state, screen, key, ctx);
    case 'findings':
      return handleFindings(state, screen, key, ctx);
  }
}
