// What an importer throws when it cannot read a document: where (a 1-based line, or a path into the document
// such as `schedule.conference.days[2].rooms.Saal 1[4].start`) and why. The API answers it as a 400 naming
// where, the CLI exits 2, and the consumer records it as permanent: nothing partial is ever stored.
export class ImportError extends Error {
  override name = "ImportError";
  /** `line N` or a path into the document. */
  readonly where: string;
  /** The 1-based line, when the error names one. */
  readonly line: number | null;
  readonly reason: string;
  constructor(where: number | string, reason: string) {
    const at = typeof where === "number" ? `line ${where}` : where;
    super(`${at}: ${reason}`);
    this.where = at;
    this.line = typeof where === "number" ? where : null;
    this.reason = reason;
  }
}
