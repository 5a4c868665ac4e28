// Every anchor of the pack against policies/anchors.json: the checkov, trivy and Azure Policy ids it cites,
// each with the check's title and source file as read from the upstream repositories (commits in the file).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/rules";
import { PROJECT_DIR } from "../support/plan";

type Framework = "checkov" | "trivy" | "Azure Policy";
interface Check {
  readonly title: string;
  readonly source: string;
}
type Table = Record<Framework, Record<string, Check>> & {
  sources: Record<Framework, { repository: string; commit: string }>;
};

const FRAMEWORKS: Framework[] = ["checkov", "trivy", "Azure Policy"];
const table = JSON.parse(
  fs.readFileSync(path.join(PROJECT_DIR, "policies", "anchors.json"), "utf8"),
) as Table;

/** Ids of checks in a text: checkov (CKV_AZURE_n, CKV2_AZURE_n, CKV_SECRET_*), trivy (AZU-nnnn), Azure Policy (GUID). */
const IDS =
  /CKV2?_AZURE_\d+|CKV_SECRET_\*|AZU-\d{4}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const idsIn = (text: string) => text.match(IDS) ?? [];
const frameworkOf = (id: string): Framework =>
  id.startsWith("CKV") ? "checkov" : id.startsWith("AZU-") ? "trivy" : "Azure Policy";

/** `policy | framework | reference | title` for every anchor: the list the closing note cites. */
export const anchorList = () =>
  policies.map((p) => {
    const { name, reference } = p.framework ?? {};
    const title = name && name !== "project" ? table[name as Framework]?.[reference ?? ""]?.title : "";
    return `${p.name} | ${name} | ${reference} | ${title ?? "(not in the table)"}`;
  });

describe("policy anchors", () => {
  it("names the upstream commit of every source", () => {
    for (const framework of FRAMEWORKS) {
      assert.match(table.sources[framework].commit, /^[0-9a-f]{40}$/, framework);
      assert.match(table.sources[framework].repository, /^https:\/\/github\.com\//, framework);
    }
  });

  it("cites, for every check-based anchor, an id of the table whose title starts the specification", () => {
    const wrong = policies.flatMap((p) => {
      const framework = p.framework;
      if (!framework || framework.name === "project") return [];
      const check = table[framework.name as Framework]?.[framework.reference ?? ""];
      if (!check) return [`${p.name}: ${framework.name} ${framework.reference} is not in the table`];
      return (framework.specification ?? "").startsWith(check.title)
        ? []
        : [`${p.name}: specification must start with "${check.title}"`];
    });
    assert.deepStrictEqual(wrong, []);
  });

  it("knows every other id an anchor mentions, and project anchors mention none", () => {
    const unknown = policies.flatMap((p) => {
      const { name, reference = "", specification = "" } = p.framework ?? {};
      const ids = idsIn(`${reference} ${specification}`);
      if (name === "project") return ids.map((id) => `${p.name}: project anchor cites ${id}`);
      return ids.filter((id) => !table[frameworkOf(id)][id]).map((id) => `${p.name}: ${id} not in the table`);
    });
    assert.deepStrictEqual(unknown, []);
  });

  it("holds no id that no anchor cites", () => {
    const cited = new Set(
      policies.flatMap((p) => idsIn(`${p.framework?.reference ?? ""} ${p.framework?.specification ?? ""}`)),
    );
    const stale = FRAMEWORKS.flatMap((f) => Object.keys(table[f]).filter((id) => !cited.has(id)));
    assert.deepStrictEqual(stale, []);
  });

  it("cites trivy checks by their AZU ids, with the former AVD ids as aliases", () => {
    const wrong = Object.entries(table.trivy as Record<string, Check & { aliases?: string[] }>).filter(
      ([id, check]) => !/^AZU-\d{4}$/.test(id) || !(check.aliases ?? []).includes(`AVD-${id}`),
    );
    assert.deepStrictEqual(wrong, []);
  });

  it("cites the public-cloud Azure Policy definitions, not the Azure Government copies", () => {
    const government = Object.entries(table["Azure Policy"]).filter(([, c]) =>
      /Azure Government/.test(c.source),
    );
    assert.deepStrictEqual(government, []);
  });

  it("lists every anchor of the pack", () => {
    const list = anchorList();
    assert.strictEqual(list.length, policies.length);
    assert.ok(
      list.every((line) => !line.endsWith("(not in the table)")),
      list.join("\n"),
    );
  });
});
