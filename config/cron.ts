// Cron expressions, checked for what they mean (field ranges, zero steps, '?', 'L', 'W', '#') by
// cron-validate with the field rules of each dialect, not by the number of fields alone.
import cronValidate from "cron-validate";
import type { OptionPreset } from "cron-validate/lib/types";

/** Field ranges both dialects share (cron-validate needs every field, used or not). */
const RANGES = {
  seconds: { minValue: 0, maxValue: 59 },
  minutes: { minValue: 0, maxValue: 59 },
  hours: { minValue: 0, maxValue: 23 },
  daysOfMonth: { minValue: 1, maxValue: 31 },
  months: { minValue: 1, maxValue: 12 },
  years: { minValue: 1970, maxValue: 2099 },
};

/**
 * Quartz, as Databricks job schedules use it (`quartz_cron_expression`): seconds minutes hours
 * day-of-month month day-of-week [year]; days of the week 1-7 (SUN-SAT); `?` in exactly one of the two day
 * fields; `L`, `W`, `LW`, `L-n`, `n#k` and `nL`; years 1970-2099. Quartz's rarely used `C` is not accepted.
 */
const QUARTZ: OptionPreset = {
  ...RANGES,
  presetId: "quartz",
  useSeconds: true,
  useYears: false,
  useAliases: true,
  useBlankDay: true,
  allowOnlyOneBlankDayField: true,
  mustHaveBlankDayField: true,
  useLastDayOfMonth: true,
  useLastDayOfWeek: true,
  useNearestWeekday: true,
  useNthWeekdayOfMonth: true,
  daysOfWeek: { minValue: 1, maxValue: 7 },
};

/** Five-field cron (minute hour day-of-month month day-of-week), as Pulumi Deployments' drift schedule takes. */
const STANDARD: OptionPreset = {
  ...RANGES,
  presetId: "standard",
  useSeconds: false,
  useYears: false,
  useAliases: true,
  useBlankDay: false,
  allowOnlyOneBlankDayField: false,
  daysOfWeek: { minValue: 0, maxValue: 7 },
};

/** The library's first complaint, without the input it repeats (the caller shows the value once). */
function firstError(errors: readonly string[]): string {
  const text = (errors[0] ?? "is not valid").replace(/\s*\(Input cron: '.*'\)\.?$/s, "").replace(/\.$/, "");
  return text
    .replace(
      /^Cannot specify both daysOfMonth and daysOfWeek field when mustHaveBlankDayField option is enabled$/,
      "day-of-month and day-of-week cannot both have a value; one of them must be '?'",
    )
    .replace(
      /^Cannot use blank value in daysOfMonth and daysOfWeek field when allowOnlyOneBlankDayField option is enabled$/,
      "day-of-month and day-of-week cannot both be '?'",
    );
}

/** The fields of `cron`; the value is passed on as written, so only single spaces may separate them. */
function fieldsOf(cron: string): { fields: string[]; spacing?: string } {
  const fields = cron.trim().split(/\s+/).filter(Boolean);
  return fields.join(" ") === cron
    ? { fields }
    : { fields, spacing: "must separate its fields with single spaces, with no other whitespace" };
}

/** Lowest and highest value of each Quartz field but the year, in field order. */
const QUARTZ_WRAP = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [1, 7],
] as const;

/**
 * `cron` with Quartz's wrap-around ranges (`20-2` hours: 20 to 23, then 0 to 2; CronExpression.addToSet adds
 * the field's size to an end below the start) split into two ranges cron-validate accepts. Only for checking:
 * the expression is passed on as written. Years do not wrap in Quartz ("Start year must be less than stop year").
 */
function unwrapRanges(fields: readonly string[]): string {
  return fields
    .map((field, i) =>
      i >= QUARTZ_WRAP.length
        ? field
        : field
            .split(",")
            .map((part) => {
              const range = /^(\d+)-(\d+)(\/\d+)?$/.exec(part);
              if (!range || Number(range[1]) <= Number(range[2])) return part;
              const [min, max] = QUARTZ_WRAP[i];
              return `${range[1]}-${max}${range[3] ?? ""},${min}-${range[2]}`;
            })
            .join(","),
    )
    .join(" ");
}

/** Why `cron` is not a Quartz cron expression, or undefined when it is one. */
export function quartzCronProblem(cron: string): string | undefined {
  const { fields, spacing } = fieldsOf(cron);
  if (fields.length < 6 || fields.length > 7) {
    return `must be a Quartz cron expression of 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), for example "0 0 2 * * ?"; this one has ${fields.length}`;
  }
  if (spacing) return spacing;
  const result = cronValidate(unwrapRanges(fields), {
    preset: QUARTZ,
    override: { useYears: fields.length === 7 },
  });
  if (result.isValid()) return undefined;
  return `is not a valid Quartz cron expression: ${firstError(result.getError())}`;
}

/** Why `cron` is not a five-field cron expression, or undefined when it is one. */
export function standardCronProblem(cron: string): string | undefined {
  const { fields, spacing } = fieldsOf(cron);
  if (fields.length !== 5) {
    return `must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), for example "0 */6 * * *"; this one has ${fields.length}`;
  }
  if (spacing) return spacing;
  const result = cronValidate(cron, { preset: STANDARD });
  return result.isValid() ? undefined : `is not a valid cron expression: ${firstError(result.getError())}`;
}
