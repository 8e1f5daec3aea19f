// tfjs registers every variable by name in one global engine and refuses a second variable
// with the same name, so layers built twice (a model and its reloaded copy) need distinct names.
let counter = 0;

export function uniqueVariableName(prefix: string, weight: string): string {
  counter += 1;
  return `${prefix}_${counter}/${weight}`;
}
