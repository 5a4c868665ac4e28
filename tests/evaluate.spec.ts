import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as runtime from "@pulumi/pulumi/runtime";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies, readPackConfig } from "../tools/plan/evaluate";
import { RecordedResource } from "../tools/plan/record";

const STACK = "urn:pulumi:dev::lakehouse::pulumi:pulumi:Stack::lakehouse-dev";
const GROUP = "urn:pulumi:dev::lakehouse::azure-native:resources:ResourceGroup::rg";
const VAULT = "urn:pulumi:dev::lakehouse::azure-native:keyvault:Vault::kv";

function recorded(
  urn: string,
  type: string,
  inputs: Record<string, unknown>,
  extra: Partial<RecordedResource> = {},
): RecordedResource {
  const name = urn.split("::").pop() as string;
  return {
    urn,
    type,
    name,
    custom: true,
    id: null,
    inputs,
    protect: false,
    retainOnDelete: false,
    dependencies: [],
    propertyDependencies: {},
    ...extra,
  };
}

const resources: RecordedResource[] = [
  recorded(STACK, "pulumi:pulumi:Stack", {}, { custom: false }),
  recorded(
    GROUP,
    "azure-native:resources:ResourceGroup",
    { resourceGroupName: "rg-lh-dev-weu" },
    { parent: STACK, protect: true },
  ),
  recorded(
    VAULT,
    "azure-native:keyvault:Vault",
    {
      resourceGroupName: "rg-lh-dev-weu",
      properties: { tenantId: { [runtime.specialSigKey]: runtime.specialSecretSig, value: "tenant" } },
      vaultUri: runtime.unknownValue,
    },
    { parent: STACK, dependencies: [GROUP], propertyDependencies: { resourceGroupName: [GROUP] } },
  ),
];

const seen: string[] = [];
const groupPolicy: ResourceValidationPolicy = {
  name: "group-policy",
  description: "reports every resource group with its configured word",
  configSchema: { properties: { word: { type: "string", default: "default-word" } } },
  validateResource: (args, report) => {
    if (args.type === "azure-native:resources:ResourceGroup") {
      report(
        `${args.getConfig<{ word: string }>().word} ${String(args.props.resourceGroupName)} protect=${args.opts.protect}`,
      );
    }
  },
};
const secretReader: ResourceValidationPolicy = {
  name: "secret-reader",
  description: "reads a secret input and an unknown one",
  enforcementLevel: "advisory",
  validateResource: (args, report) => {
    if (args.type === "azure-native:keyvault:Vault") {
      report(`tenant ${String((args.props.properties as { tenantId: string }).tenantId)}`);
      report(`uri ${String(args.props.vaultUri)}`);
    }
  },
};
const stackPolicy: StackValidationPolicy = {
  name: "stack-policy",
  description: "describes the links between resources",
  validateStack: (args, report) => {
    const vault = args.resources.find((r) => r.type === "azure-native:keyvault:Vault") as PolicyResource;
    seen.push(`parent=${vault.parent?.type}`, `deps=${vault.dependencies.map((d) => d.name).join(",")}`);
    seen.push(
      `rg-dep=${vault.propertyDependencies.resourceGroupName.map((d) => d.props.resourceGroupName).join(",")}`,
    );
    report("stack-wide");
    report("on the group", GROUP);
  },
};
const disabled: ResourceValidationPolicy = {
  name: "never-runs",
  description: "disabled by config",
  validateResource: () => assert.fail("a disabled policy must not run"),
};
const pack = [groupPolicy, secretReader, stackPolicy, disabled];

describe("policy evaluation of the offline plan", () => {
  it("runs resource and stack policies as the engine does, with levels and config from the pack config", async () => {
    seen.length = 0;
    const outcome = await evaluatePolicies(resources, pack, "mandatory", {
      all: "advisory",
      "group-policy": { enforcementLevel: "mandatory", word: "configured" },
      "never-runs": "disabled",
    });
    assert.deepStrictEqual(outcome.policies, [
      { name: "group-policy", level: "mandatory" },
      { name: "secret-reader", level: "advisory" },
      { name: "stack-policy", level: "advisory" },
      { name: "never-runs", level: "disabled" },
    ]);
    assert.deepStrictEqual(outcome.violations, [
      {
        policy: "group-policy",
        level: "mandatory",
        urn: GROUP,
        message: "configured rg-lh-dev-weu protect=true",
      },
      { policy: "secret-reader", level: "advisory", urn: VAULT, message: "tenant tenant" },
      {
        policy: "secret-reader",
        level: "advisory",
        urn: VAULT,
        message:
          "can't run policy 'secret-reader' during preview: string value at .vaultUri can't be known during preview",
      },
      { policy: "stack-policy", level: "advisory", urn: "", message: "stack-wide" },
      { policy: "stack-policy", level: "advisory", urn: GROUP, message: "on the group" },
    ]);
  });

  it("gives policies the schema defaults when the pack config is silent", async () => {
    const outcome = await evaluatePolicies(resources, [groupPolicy], "mandatory", {});
    assert.deepStrictEqual(
      outcome.violations.map((v) => v.message),
      ["default-word rg-lh-dev-weu protect=true"],
    );
  });

  it("links stack-policy resources to their parents and dependencies", async () => {
    seen.length = 0;
    await evaluatePolicies(resources, [stackPolicy], "mandatory", {});
    assert.deepStrictEqual(seen, ["parent=pulumi:pulumi:Stack", "deps=rg", "rg-dep=rg-lh-dev-weu"]);
  });
});

describe("policy pack config files", () => {
  const write = (content: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-")), "dev.json");
    fs.writeFileSync(file, content);
    return file;
  };

  it("reads levels and properties", () => {
    const file = write(
      '{ "group-policy": { "enforcementLevel": "advisory", "word": "x" }, "all": "mandatory" }',
    );
    assert.deepStrictEqual(readPackConfig(file, pack), {
      "group-policy": { enforcementLevel: "advisory", word: "x" },
      all: "mandatory",
    });
  });

  it("treats a missing file as no config", () => {
    assert.deepStrictEqual(readPackConfig("/nonexistent/dev.json", pack), {});
  });

  it("refuses unknown policies, levels and properties", () => {
    const file = write(
      '{ "no-such-policy": "advisory", "group-policy": { "enforcementLevel": "strict", "wrd": 1 } }',
    );
    const shown = path.relative(process.cwd(), file);
    assert.throws(
      () => readPackConfig(file, pack),
      (error: { problems: string[] }) => {
        assert.deepStrictEqual(error.problems, [
          `${shown}: no-such-policy: unknown policy (policies: group-policy, secret-reader, stack-policy, never-runs)`,
          `${shown}: group-policy.enforcementLevel: must be one of advisory, mandatory, remediate, disabled (got "strict")`,
          `${shown}: group-policy.wrd: unknown property (allowed: enforcementLevel, word)`,
        ]);
        return true;
      },
    );
  });
});
