// Shared by the schedule readers' tests.
import { ImportError } from "../../src/import/errors.ts";

/** The ImportError `fn` throws (the test fails when it throws nothing or something else). */
export function catchImportError(fn: () => unknown): ImportError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error("expected an ImportError, and nothing was thrown");
}

/** A JSON fixture with one change made to its parsed document. */
export function editJson(text: string, edit: (doc: any) => void): string {
  const doc = JSON.parse(text);
  edit(doc);
  return JSON.stringify(doc, null, 2);
}
