// Writes the README's table of policies from the pack's own metadata and the per-stack config files, so the
// documentation never drifts from the pack: `npm run policy-table`. A test fails when they differ.
import * as fs from "fs";
import * as path from "path";
import { PACK_ENFORCEMENT_LEVEL, policies, POLICY_DOMAINS } from "../policies/rules";

const ROOT = path.resolve(__dirname, "..");
export const README = path.join(ROOT, "README.md");
const START = "<!-- policy-table:start -->";
const END = "<!-- policy-table:end -->";

function levelIn(stack: string, name: string): string {
  const file = path.join(ROOT, "policies", "config", `${stack}.json`);
  const config = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>)
    : {};
  const entry = config[name] as string | { enforcementLevel?: string } | undefined;
  const policy = policies.find((p) => p.name === name);
  return (
    (typeof entry === "string" ? entry : entry?.enforcementLevel) ??
    policy?.enforcementLevel ??
    PACK_ENFORCEMENT_LEVEL
  );
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function policyTable(): string {
  const rows = [
    "| # | domain | policy | what it checks | anchor | dev / prod |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  let n = 0;
  for (const [domain, list] of Object.entries(POLICY_DOMAINS)) {
    for (const p of list) {
      n++;
      const anchor = `${p.framework?.name ?? ""} ${p.framework?.reference ?? ""}`.trim();
      rows.push(
        `| ${n} | ${domain} | \`${p.name}\` | ${cell(p.description)} | ${cell(anchor)} | ${levelIn("dev", p.name)} / ${levelIn("prod", p.name)} |`,
      );
    }
  }
  return rows.join("\n");
}

/** The README with its policy table section replaced by the current one. */
export function renderReadme(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} / ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n\n${policyTable()}\n\n${readme.slice(end)}`;
}

if (require.main === module) {
  fs.writeFileSync(README, renderReadme(fs.readFileSync(README, "utf8")));
  console.log(`README.md: table of ${policies.length} policies written`);
}
