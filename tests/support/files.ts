import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A new temporary directory holding `files` (name to content). */
export function tempDir(files: Record<string, string>, prefix = "lakehouse-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
