/** What a case report needs besides the analysis: the case's name and how its files were put together. */
export interface CaseMeta {
  /** The case name shown to people, e.g. "site-a/customer-1" (from file or folder names: captured text). */
  name: string;
  /** How the files were grouped into this case and how their sides were given, one line each. */
  grouping: string[];
  tool: { name: string; version: string };
  /** Link back to the index, relative to the case report (omitted for a report on its own). */
  indexHref?: string;
}
