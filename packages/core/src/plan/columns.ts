import { errors } from "../errors.js";
import type { SchemaFields } from "../expr/column.js";
import type { DataType } from "../schema/types.js";

/** The type of `column`, or a plan-time error naming it, where it was used, and the columns there are. */
export function requireColumn(fields: SchemaFields, column: string, where: string): DataType<unknown> {
  const type = fields[column];
  if (!type) throw errors.unknownColumn(column, where, Object.keys(fields));
  return type;
}
