// Work that retrying cannot fix: a message about it is recorded in `failures` and acked (src/queue/policy.ts).
import { EditError } from "../domain/edits.ts";
import { ImportError } from "../import/errors.ts";

export class PermanentError extends Error {}

/** An edit the catalogue refuses, a page that does not import, or anything marked permanent. */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentError || err instanceof EditError || err instanceof ImportError;
}
