// MapReduce work items (prodigy-workflows.md §2.3, §6.8 items 2–3, §4.2): load `map.input`, run the pipeline
// json_path → filter → sort_by → distinct → offset → max_items (offset and distinct are applied, as documented),
// number the result `item_0…`, and give each item its interpolation variables.
import { ProdigyError } from '../errors';
import { compileFilter } from '../expressions/filter';
import { canonicalJson, getPath, isObject, parseFieldPath } from '../expressions/fieldPath';
import { compileJsonPath } from '../expressions/jsonPath';
import { compileSortBy } from '../expressions/sortBy';
import { readWorkItemsInput, type InputOptions } from './workItemsInput';

export interface WorkItemSpec {
  input: string;
  json_path: string;
  filter?: string;
  sort_by?: string;
  max_items?: number;
  offset?: number;
  distinct?: string;
}

export interface WorkItem {
  /** `item_<index>`. */
  id: string;
  /** Position in the final list, 0-based. */
  index: number;
  data: unknown;
}

/**
 * Loads the work items of a MapReduce `map:` section. `spec.input` is already interpolated. Every problem (no
 * such file and a failing command, bad JSON, a malformed json_path/filter/sort_by/distinct, a bad offset or
 * max_items) is a `ProdigyError` naming the input or expression; the expressions are checked before the input
 * is read, so a typo fails without running the command. Zero items is not an error.
 */
export async function loadWorkItems(spec: WorkItemSpec, opts: InputOptions): Promise<WorkItem[]> {
  const pipeline = compilePipeline(spec);
  const { document } = await readWorkItemsInput(spec.input, opts);
  return pipeline(document).map((data, index) => ({ id: `item_${index}`, index, data }));
}

/** The pure pipeline over an already-loaded document. */
export function selectItems(document: unknown, spec: Omit<WorkItemSpec, 'input'>): unknown[] {
  return compilePipeline(spec)(document);
}

/** One stage of the pipeline, and how many items were left after it (the dry run's item plan). */
export interface PipelineStage {
  stage: 'json_path' | 'filter' | 'sort_by' | 'distinct' | 'offset' | 'max_items';
  /** The expression or number as written. */
  setting: string;
  items: number;
}

/**
 * Checks every expression and number once; the returned function runs the pipeline. `trace` hears each stage
 * the spec sets (json_path always) with the number of items it left.
 */
export function compilePipeline(
  spec: Omit<WorkItemSpec, 'input'>,
): (document: unknown, trace?: (stage: PipelineStage) => void) => unknown[] {
  const jsonPath = compileJsonPath(spec.json_path ?? '');
  const filter = present(spec.filter) ? compileFilter(spec.filter) : undefined;
  const sort = present(spec.sort_by) ? compileSortBy(spec.sort_by) : undefined;
  const distinct = present(spec.distinct) ? parseFieldPath(spec.distinct, 'distinct').segments : undefined;
  const offset = count(spec.offset, 'offset');
  const maxItems = count(spec.max_items, 'max_items');
  return (document, trace) => {
    const step = (stage: PipelineStage['stage'], setting: unknown, items: unknown[]) => {
      trace?.({ stage, setting: String(setting ?? ''), items: items.length });
      return items;
    };
    let items = step('json_path', spec.json_path || '(the whole document)', jsonPath.select(document));
    if (filter)
      items = step(
        'filter',
        spec.filter,
        items.filter((item) => filter(item)),
      );
    if (sort) items = step('sort_by', spec.sort_by, [...items].sort(sort));
    if (distinct) {
      // First occurrence wins; a missing field counts as null (all items without it share one key).
      const seen = new Set<string>();
      items = step(
        'distinct',
        spec.distinct,
        items.filter((item) => {
          const key = canonicalJson(getPath(item, distinct) ?? null);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      );
    }
    if (offset !== undefined) items = step('offset', offset, items.slice(offset));
    if (maxItems !== undefined) items = step('max_items', maxItems, items.slice(0, maxItems));
    return items;
  };
}

/** The pipeline over a loaded document, with the count after each stage. */
export function planItems(
  document: unknown,
  spec: Omit<WorkItemSpec, 'input'>,
): { stages: PipelineStage[]; items: unknown[] } {
  const stages: PipelineStage[] = [];
  const items = compilePipeline(spec)(document, (s) => stages.push(s));
  return { stages, items };
}

/**
 * The variables an agent's steps see for one item (§4.2): `item` (the real JSON value, so `${item.a.b}` and
 * `${item.tags[0]}` resolve through the nested walk), `item_json` (compact JSON), `item_id`, `item_index`, and a
 * flat `item.<field>` for each top-level field of an object item. A scalar item: `item` is the scalar.
 */
export function itemVariables(item: WorkItem): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    item: item.data,
    item_json: JSON.stringify(item.data ?? null),
    item_id: item.id,
    item_index: item.index,
  };
  if (isObject(item.data)) {
    for (const [key, value] of Object.entries(item.data)) vars[`item.${key}`] = value;
  }
  return vars;
}

function present(text: string | undefined): text is string {
  return typeof text === 'string' && text.trim() !== '';
}

function count(value: number | undefined, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ProdigyError(`map.${name} must be a whole number of at least 0, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** The position of `item_<index>` (0-based), or null for an id of another shape. */
export function itemIndex(itemId: string): number | null {
  const m = /^item_(\d+)$/.exec(itemId);
  return m ? Number(m[1]) : null;
}

/**
 * What a person calls an item: its `name`, `title` or `id` field, else its first string field (a bare string
 * is itself), with its 1-based position: "gamma (#3)". Without a usable field, the position alone ("item #3");
 * an id of another shape stays as it is.
 */
export function itemLabel(itemId: string, data: unknown): string {
  const index = itemIndex(itemId);
  let name: string | undefined;
  if (typeof data === 'string' || typeof data === 'number') name = String(data);
  else if (data && typeof data === 'object' && !Array.isArray(data)) {
    const fields = data as Record<string, unknown>;
    const named = ['name', 'title', 'id']
      .map((k) => fields[k])
      .find((v) => typeof v === 'string' || typeof v === 'number');
    name =
      named !== undefined
        ? String(named)
        : (Object.values(fields).find((v) => typeof v === 'string') as string | undefined);
  }
  name = name?.split('\n')[0].trim();
  if (index === null) return name ? `${name} (${itemId})` : itemId;
  if (!name) return `item #${index + 1}`;
  return `${name.length > 60 ? `${name.slice(0, 59)}…` : name} (#${index + 1})`;
}
