import { Policies } from "@pulumi/policy";
import { anchor, stackRule, typesRule, unless } from "../lib/rule";

export const allowedLocations = typesRule<{ locations?: string[] }>(
  {
    name: "azure-allowed-locations",
    description: "Azure resources are created in the allowed locations only.",
    severity: "medium",
    anchor: anchor("Azure Policy", "e56962a6-4747-49cd-b67b-bf8b01975c4c", "Allowed locations"),
    remediationSteps:
      "Set lakehouse:location to an allowed region, or allow it in policies/config/<stack>.json.",
    configSchema: {
      properties: {
        locations: {
          type: "array",
          items: { type: "string" },
          default: ["westeurope", "northeurope"],
          description: "Allowed Azure regions.",
        },
      },
    },
  },
  (type) => type.startsWith("azure-native:"),
  (p, config) => {
    const location = p.location;
    const allowed = config.locations ?? ["westeurope", "northeurope"];
    return typeof location !== "string" || location === "global" || allowed.includes(location)
      ? []
      : [`Location ${location} is not allowed; allowed: ${allowed.join(", ")}.`];
  },
);

export const budgetExists = stackRule<{ maxMonthlyAmount?: number }>(
  {
    name: "cost-budget",
    description:
      "A consumption budget covers the stack, notifying at or below 100 % of its amount, within the ceiling.",
    severity: "medium",
    anchor: anchor("project", "cost", "Spend is watched by a budget"),
    remediationSteps:
      "Keep the monitoring component's budget (lakehouse:monthlyBudget, budgetThresholds), within the ceiling of policies/config/<stack>.json.",
    configSchema: {
      properties: {
        maxMonthlyAmount: { type: "number", minimum: 1, description: "Largest monthly budget allowed." },
      },
    },
  },
  (resources, config) => {
    const budgets = resources.filter((r) => r.type === "azure-native:consumption:Budget");
    if (budgets.length === 0) {
      return [{ message: "The stack has no consumption budget: nothing warns when spend runs away." }];
    }
    return budgets.flatMap((budget) => {
      const notifications = Object.values(
        (budget.props.notifications as Record<string, { enabled?: boolean; threshold?: number }>) ?? {},
      );
      const amount = Number(budget.props.amount);
      return [
        ...unless(
          notifications.some((n) => n.enabled !== false && Number(n.threshold) <= 100),
          "Budget has no enabled notification at or below 100 % of its amount.",
        ),
        ...unless(
          config.maxMonthlyAmount === undefined || amount <= config.maxMonthlyAmount,
          `Budget amount ${amount} is above the ceiling of ${config.maxMonthlyAmount}.`,
        ),
      ].map((message) => ({ urn: budget.urn, message }));
    });
  },
);

export const costPolicies: Policies = [allowedLocations, budgetExists];
