// The README's fenced shell blocks. A block that is not run (it needs the Pulumi CLI, cloud credentials,
// another repository or a value only its reader has, or it is .ci/run itself) is preceded by a marker that
// says why:
//   <!-- readme-commands: skip: needs the Pulumi CLI and Pulumi Cloud -->
// Every other block is run by `npm run test:readme` (tests/readme-commands.ts), which .ci/run runs.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./plan";

export const README = path.join(PROJECT_DIR, "README.md");
const MARKER = /^\s*<!-- readme-commands: skip: (.+?) -->\s*$/;

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly code: string;
  /** Why the block is not run; undefined for a block that runs. */
  readonly skip?: string;
}

export function shellBlocks(markdown = fs.readFileSync(README, "utf8")): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(sh|bash|shell)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(open[1].length))
      .join("\n");
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === "") before--;
    const marker = before >= 0 ? MARKER.exec(lines[before]) : null;
    blocks.push({ line: i + 1, code, skip: marker?.[1] });
    i = end;
  }
  return blocks;
}
