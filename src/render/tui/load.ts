/**
 * Loads the Ink TUI on demand (Ink costs ~0.6 s of start-up, so commands that print text never pay it).
 *
 * Ink decides at import time, from CI/CONTINUOUS_INTEGRATION, to draw nothing until exit. The TUI
 * is only chosen when standard output is a terminal, so a person is watching it even if their shell
 * (a CI debug session, a container started by a pipeline) carries those variables: clear them first.
 */
export async function loadTui(): Promise<typeof import('./run.js')> {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return import('./run.js');
}
