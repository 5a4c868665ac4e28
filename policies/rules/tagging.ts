import { ResourceValidationPolicy } from "@pulumi/policy";
import { anchor } from "../lib/rule";
import { isTaggableAzureType } from "../lib/taggable";

/** The tags every taggable Azure resource must carry, unless the pack's config names others. */
export const DEFAULT_MANDATORY_TAGS = ["owner", "costCenter", "environment", "dataClassification"];

export interface MandatoryTagsConfig {
  /** Tag names that must be present with a non-empty value. */
  readonly tags?: readonly string[];
}

export const mandatoryTags: ResourceValidationPolicy = {
  name: "azure-mandatory-tags",
  description: "Every taggable Azure resource carries the mandatory tags with non-empty values.",
  severity: "medium",
  enforcementLevel: "mandatory",
  framework: anchor("Azure Policy", "871b6d14-10aa-478d-b590-94f262ecfa99", "Require a tag on resources"),
  remediationSteps:
    "Create the resource below the LakehousePlatform component, which tags every taggable resource from the " +
    "stack config (lakehouse:owner, lakehouse:costCenter, lakehouse:environment, lakehouse:dataClassification).",
  configSchema: {
    properties: {
      tags: {
        type: "array",
        items: { type: "string", minLength: 1 },
        minItems: 1,
        default: DEFAULT_MANDATORY_TAGS,
        description: "Tag names every taggable Azure resource must carry with a non-empty value.",
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!isTaggableAzureType(args.type)) {
      return;
    }
    const required = args.getConfig<MandatoryTagsConfig>().tags ?? DEFAULT_MANDATORY_TAGS;
    const tags = (args.props["tags"] ?? {}) as Record<string, unknown>;
    const missing = required.filter((tag) => tags[tag] === undefined);
    const empty = required.filter((tag) => tags[tag] !== undefined && String(tags[tag]).trim() === "");
    if (missing.length > 0) {
      reportViolation(`Missing mandatory tags: ${missing.join(", ")}.`);
    }
    if (empty.length > 0) {
      reportViolation(`Mandatory tags with an empty value: ${empty.join(", ")}.`);
    }
  },
};
