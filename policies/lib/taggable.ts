import taggableTypes from "./azure-taggable-types.json";

// Generated from the installed @pulumi/azure-native by `npm run gen:taggable`.
const TAGGABLE = new Set<string>(taggableTypes);

/** True for azure-native resource types whose ARM resource accepts tags. */
export function isTaggableAzureType(type: string): boolean {
  return TAGGABLE.has(type);
}
