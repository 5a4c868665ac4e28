import { EnforcementLevel, Policies } from "@pulumi/policy";
import { mandatoryTags } from "./tagging";

/** Name of the policy pack, as published to the Pulumi organisation. */
export const PACK_NAME = "lakehouse-policies";

/** Level of every policy that does not set its own (per-stack files under config/ may change it). */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** Every policy of the pack; the engine (via index.ts), the offline plan and the tests all use this list. */
export const policies: Policies = [mandatoryTags];
