import type { FilterFn } from "../expr/context.js";
import { DICT_FILTERS } from "./dicts.js";
import { HASH_FILTERS } from "./hashing.js";
import { LIST_FILTERS } from "./lists.js";
import { LOGIC_FILTERS } from "./logic.js";
import { NUMBER_FILTERS } from "./numbers.js";
import { PATH_FILTERS } from "./paths.js";
import { REGEX_FILTERS } from "./regex.js";
import { SERIALIZE_FILTERS } from "./serialize.js";
import { STRING_FILTERS } from "./strings.js";

/** Every filter by name (`ansible.builtin.` prefixes are removed before the lookup). */
export const FILTERS: Record<string, FilterFn> = {
  ...LOGIC_FILTERS,
  ...NUMBER_FILTERS,
  ...STRING_FILTERS,
  ...REGEX_FILTERS,
  ...LIST_FILTERS,
  ...DICT_FILTERS,
  ...SERIALIZE_FILTERS,
  ...PATH_FILTERS,
  ...HASH_FILTERS,
};
