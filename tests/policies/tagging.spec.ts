import * as assert from "assert";
import * as fs from "fs";
import { UnknownValueError } from "@pulumi/policy";
import { isTaggableAzureType } from "../../policies/lib/taggable";
import { policies } from "../../policies/rules";
import { DEFAULT_MANDATORY_TAGS, mandatoryTags } from "../../policies/rules/tagging";
import { renderTaggableTypes, scanTaggableTypes, TAGGABLE_TYPES_FILE } from "../../tools/taggable-types";
import { resourceArgs, violationsOf } from "../support/policy";

const TAGS = {
  owner: "data-platform",
  costCenter: "cc-4100",
  environment: "dev",
  dataClassification: "confidential",
};

const vault = (tags: Record<string, unknown> | undefined) =>
  resourceArgs("azure-native:keyvault:Vault", { vaultName: "kv", ...(tags === undefined ? {} : { tags }) });

describe("policy azure-mandatory-tags", () => {
  it("is part of the pack, mandatory, with an Azure Policy anchor", () => {
    assert.ok(policies.includes(mandatoryTags));
    assert.strictEqual(mandatoryTags.enforcementLevel, "mandatory");
    assert.deepStrictEqual(mandatoryTags.framework?.name, "Azure Policy");
    assert.deepStrictEqual(mandatoryTags.configSchema?.properties.tags.default, DEFAULT_MANDATORY_TAGS);
  });

  it("passes a resource that carries every mandatory tag", async () => {
    assert.deepStrictEqual(await violationsOf(mandatoryTags, vault(TAGS)), []);
  });

  it("reports missing tags", async () => {
    assert.deepStrictEqual(
      await violationsOf(mandatoryTags, vault({ owner: "data-platform", environment: "dev" })),
      ["Missing mandatory tags: costCenter, dataClassification."],
    );
  });

  it("reports a resource without any tags", async () => {
    assert.deepStrictEqual(await violationsOf(mandatoryTags, vault(undefined)), [
      "Missing mandatory tags: owner, costCenter, environment, dataClassification.",
    ]);
  });

  it("reports empty tag values", async () => {
    assert.deepStrictEqual(
      await violationsOf(mandatoryTags, vault({ ...TAGS, owner: " ", costCenter: "" })),
      ["Mandatory tags with an empty value: owner, costCenter."],
    );
  });

  it("checks the tag names the pack config gives", async () => {
    const args = resourceArgs(
      "azure-native:resources:ResourceGroup",
      { tags: TAGS },
      { tags: ["owner", "businessUnit"] },
    );
    assert.deepStrictEqual(await violationsOf(mandatoryTags, args), [
      "Missing mandatory tags: businessUnit.",
    ]);
  });

  it("ignores resources that take no tags", async () => {
    const args = resourceArgs("azure-native:authorization:RoleAssignment", { principalId: "p" });
    assert.deepStrictEqual(await violationsOf(mandatoryTags, args), []);
    assert.deepStrictEqual(
      await violationsOf(mandatoryTags, resourceArgs("databricks:index/catalog:Catalog", {})),
      [],
    );
  });

  it("neither passes nor fails on tags unknown during preview", async () => {
    await assert.rejects(
      violationsOf(mandatoryTags, vault("04da6b54-80e4-46f7-96ec-b56ff0331ba9" as never)),
      UnknownValueError,
    );
  });
});

describe("taggable types", () => {
  it("match the installed azure-native SDK (run `npm run gen:taggable` after an upgrade)", () => {
    const committed = fs.readFileSync(TAGGABLE_TYPES_FILE, "utf8");
    assert.strictEqual(committed, renderTaggableTypes(scanTaggableTypes()));
  });

  it("count only string-map tags", () => {
    assert.strictEqual(isTaggableAzureType("azure-native:keyvault:Vault"), true);
    assert.strictEqual(isTaggableAzureType("azure-native:storage:BlobContainerLegalHold"), false);
    assert.strictEqual(isTaggableAzureType("azure-native:storage:BlobContainer"), false);
  });
});
