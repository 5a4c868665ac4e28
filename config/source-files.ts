// Reading the sources directories, bounded and safe: whatever a directory holds (a directory named *.yaml,
// a symlink loop or one that leaves the directory, a FIFO, a 50 MB or binary file), the answer is one message
// naming the path and what is wrong, in bounded time and memory, and never the file's contents.
import * as fs from "fs";
import * as path from "path";
import { controlCharacter } from "./validation";

/**
 * Largest source file read. The shipped ones are under 5 KiB; 256 KiB is generous and keeps parsing and
 * validation (linear in the file) to well under seconds.
 */
export const MAX_SOURCE_FILE_BYTES = 256 * 1024;
/** How the limit is stated in messages. */
const SIZE_LIMIT = `${MAX_SOURCE_FILE_BYTES} bytes (256 KiB; the shipped source files are under 5 KiB)`;
/** Most source files read from one directory. */
export const MAX_SOURCE_FILES = 500;
/** The JSON Schema of source files published beside them; not a source and not worth a notice. */
export const SOURCE_SCHEMA_FILE = "source.schema.json";

/** Where a file is shown in messages: relative to the working directory when it is below it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** A source file's name: lower case `.yaml` or `.yml`, as the loader and the schema's editors expect. */
const SOURCE_FILE = /\.ya?ml$/;

export interface SourceDirListing {
  /** Absolute paths of the source files to read, sorted. */
  readonly files: string[];
  /** What makes the directory or one of its entries unusable: each names the path and the reason. */
  readonly problems: string[];
  /** Entries that are not source files, named so nothing is skipped silently. */
  readonly skipped: string[];
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "does not exist";
    case "EACCES":
    case "EPERM":
      return "cannot be read (permission denied)";
    case "ELOOP":
      return "is a symbolic link loop";
    case "ENOTDIR":
      return "is not a directory";
    default:
      return `cannot be read (${code ?? "unknown error"})`;
  }
}

/** Lists the source files of one directory; every entry is either a file to read, a problem or skipped. */
export function listSourceDir(dir: string): SourceDirListing {
  const shown = displayPath(dir);
  const problems: string[] = [];
  const skipped: string[] = [];
  let realDir: string;
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(dir).isDirectory()) {
      return { files: [], problems: [`${shown}: is a file, not a directory of source files`], skipped };
    }
    realDir = fs.realpathSync(dir);
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    return { files: [], problems: [`${shown}: sources directory ${reason(error)}`], skipped };
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    const where = displayPath(full);
    if (!SOURCE_FILE.test(entry.name)) {
      if (/\.ya?ml$/i.test(entry.name)) {
        const renamed = entry.name.replace(/\.(ya?ml)$/i, (_, ext: string) => `.${ext.toLowerCase()}`);
        problems.push(`${where}: source files end in .yaml or .yml in lower case; rename it to ${renamed}`);
      } else if (entry.name !== SOURCE_SCHEMA_FILE) {
        skipped.push(where);
      }
      continue;
    }
    let target = full;
    if (entry.isSymbolicLink()) {
      try {
        target = fs.realpathSync(full);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        problems.push(
          code === "ENOENT"
            ? `${where}: is a symbolic link to a file that does not exist`
            : code === "ELOOP"
              ? `${where}: is a symbolic link loop`
              : `${where}: ${reason(error)}`,
        );
        continue;
      }
      const inside = path.relative(realDir, target);
      if (inside.startsWith("..") || path.isAbsolute(inside)) {
        // Never read (and so never quote in a message) a file outside the directory the user named.
        problems.push(`${where}: is a symbolic link to outside ${shown}; source files must be inside it`);
        continue;
      }
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(target);
    } catch (error) {
      problems.push(`${where}: ${reason(error)}`);
      continue;
    }
    if (stat.isDirectory()) {
      problems.push(`${where}: is a directory, not a source file`);
    } else if (!stat.isFile()) {
      problems.push(`${where}: is not a regular file (a device, socket or pipe)`);
    } else if (stat.size > MAX_SOURCE_FILE_BYTES) {
      problems.push(`${where}: is ${stat.size} bytes; a source file may have at most ${SIZE_LIMIT}`);
    } else {
      files.push(full);
    }
  }
  if (files.length > MAX_SOURCE_FILES) {
    problems.push(`${shown}: has ${files.length} source files; at most ${MAX_SOURCE_FILES} are read`);
    files.length = 0;
  }
  return { files, problems, skipped };
}

/**
 * Reads one source file as UTF-8 text, or returns why it cannot be: too large (checked again on the open
 * file, which may have grown since it was listed), not UTF-8, or holding control characters (binary data).
 */
export function readSourceText(file: string): { text: string } | { problem: string } {
  const where = displayPath(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      return { problem: `${where}: is not a regular file (a device, socket or pipe)` };
    }
    const buffer = Buffer.alloc(MAX_SOURCE_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > MAX_SOURCE_FILE_BYTES) {
      return {
        problem: `${where}: is more than ${MAX_SOURCE_FILE_BYTES} bytes; a source file may have at most ${SIZE_LIMIT}`,
      };
    }
    const bytes = buffer.subarray(0, length);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return { problem: `${where}: is not UTF-8 text (a binary file?); source files are YAML in UTF-8` };
    }
    text = text.replace(/^\uFEFF/, "");
    // YAML forbids C0/C1 controls other than tab and line breaks; name the first, never print it.
    const control = controlCharacter(text, "\t\n\r");
    if (control) {
      const before = text.slice(0, control.index);
      const line = before.split("\n").length;
      const column = control.index - before.lastIndexOf("\n");
      return {
        problem: `${where}:${line}:${column}: has the control character ${control.codePoint}; source files are YAML text (a binary file?)`,
      };
    }
    return { text };
  } catch (error) {
    return { problem: `${where}: ${reason(error)}` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
