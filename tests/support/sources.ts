import * as assert from "assert";
import * as path from "path";
import { parseSourceFile } from "../../config/sources";
import { InvalidInputError } from "../../config/validation";

/** The problems a source file's text is refused with, as if it were `file` below the working directory. */
export function sourceProblems(text: string, file: string): readonly string[] {
  try {
    parseSourceFile(path.join(process.cwd(), file), text);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the source file to be refused");
}
