import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { mandatoryTagsTransformation, NAME_RULES, Naming, ResourceKind } from "../components/core/naming";

const seed = "acme/lakehouse/dev";
const naming = new Naming({ prefix: "lh", environment: "dev", location: "westeurope", uniquenessSeed: seed });
const long = new Naming({
  prefix: "lakehs",
  environment: "preprod",
  location: "southcentralus",
  uniquenessSeed: seed,
});

describe("naming", () => {
  it("follows <abbreviation>-<prefix>[-<role>]-<environment>-<region>", () => {
    assert.strictEqual(naming.name("resourceGroup"), "rg-lh-dev-weu");
    assert.strictEqual(naming.name("resourceGroup", "lake"), "rg-lh-lake-dev-weu");
    assert.strictEqual(naming.name("logAnalyticsWorkspace"), "log-lh-dev-weu");
    assert.strictEqual(naming.name("databricksWorkspace"), "dbw-lh-dev-weu");
  });

  it("suffixes globally unique names with a stable hash of the stack", () => {
    assert.strictEqual(naming.name("keyVault"), "kv-lh-dev-weu-8b68");
    assert.strictEqual(naming.name("sqlServer"), "sql-lh-dev-weu-8b68");
    assert.strictEqual(naming.name("storageAccount", "lake"), "stlhlakedevweu8b68");
    const otherOrg = new Naming({
      prefix: "lh",
      environment: "dev",
      location: "westeurope",
      uniquenessSeed: "other/lakehouse/dev",
    });
    assert.notStrictEqual(otherOrg.name("keyVault"), naming.name("keyVault"));
  });

  it("shortens long names to the Azure limit and keeps them unique with a hash of the full name", () => {
    assert.strictEqual(long.name("keyVault", "analytics"), "kv-lakehs-anal-8b68-036a");
    assert.strictEqual(long.name("storageAccount", "analytics"), "stlakehsanalytic8b685181");
    assert.strictEqual(long.name("grafana", "platform"), "amg-lakehs-pl-8b68-576a");
    assert.notStrictEqual(long.name("keyVault", "analytics"), long.name("keyVault", "analyticsx"));
  });

  it("never breaks a kind's length or character rules", () => {
    for (const kind of Object.keys(NAME_RULES) as ResourceKind[]) {
      for (const role of [undefined, "lake", "abcdefghijkl"]) {
        const name = long.name(kind, role);
        const rule = NAME_RULES[kind];
        assert.ok(name.length <= rule.maxLength, `${kind}: ${name} is longer than ${rule.maxLength}`);
        assert.match(
          name,
          rule.hyphens ? /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/ : /^[a-z0-9]+$/,
          `${kind}: ${name}`,
        );
      }
    }
  });

  it("refuses a role that would break the pattern", () => {
    assert.throws(() => naming.name("keyVault", "Lake-1"), {
      message: 'naming: role "Lake-1" must match /^[a-z][a-z0-9]{0,11}$/',
    });
  });
});

describe("mandatory tags transformation", () => {
  const tags = {
    owner: "data-platform",
    costCenter: "cc-4100",
    environment: "dev",
    dataClassification: "confidential",
  };
  const transform = mandatoryTagsTransformation(tags);
  const apply = (type: string, props: pulumi.Inputs) =>
    transform({ resource: undefined as unknown as pulumi.Resource, type, name: "x", props, opts: {} });

  it("tags a taggable Azure resource", () => {
    const result = apply("azure-native:keyvault:Vault", { vaultName: "kv" });
    assert.deepStrictEqual(result?.props, { vaultName: "kv", tags });
  });

  it("lets a resource's own tags win over the mandatory ones", async () => {
    const result = apply("azure-native:resources:ResourceGroup", {
      tags: { owner: "transfers-team", source: "transfers" },
    });
    const merged = await new Promise((resolve) => pulumi.output(result?.props.tags).apply(resolve));
    assert.deepStrictEqual(merged, { ...tags, owner: "transfers-team", source: "transfers" });
  });

  it("leaves resources that take no tags alone", () => {
    assert.strictEqual(apply("azure-native:authorization:RoleAssignment", { principalId: "p" }), undefined);
    assert.strictEqual(apply("azure-native:storage:BlobContainerLegalHold", { tags: ["hold1"] }), undefined);
    assert.strictEqual(apply("azure-native:storage:BlobContainer", { containerName: "bronze" }), undefined);
    assert.strictEqual(apply("databricks:index/catalog:Catalog", { name: "c" }), undefined);
  });
});
