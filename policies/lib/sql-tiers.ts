/** The service tier of an Azure SQL SKU: `sku.tier`, or from the name (GP_Gen5_2, BC_Gen5_4, HS_Gen5_2, P2, S3). */
export function sqlTier(sku: { name?: string; tier?: string } | undefined): string {
  if (sku?.tier) return sku.tier;
  const name = sku?.name ?? "";
  const prefixes: [RegExp, string][] = [
    [/^GP_/, "GeneralPurpose"],
    [/^BC_/, "BusinessCritical"],
    [/^HS_/, "Hyperscale"],
    [/^P\d/, "Premium"],
    [/^S\d/, "Standard"],
    [/^Basic$/, "Basic"],
  ];
  return prefixes.find(([pattern]) => pattern.test(name))?.[1] ?? "unknown";
}

/** Service tiers that have read scale-out (Learn, "Read scale-out"). */
export const READ_SCALE_TIERS: readonly string[] = ["Premium", "BusinessCritical", "Hyperscale"];
