import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.ts';

/**
 * `init`'s templates: folders under cli/templates (beside src/ and lib/, so both find them),
 * copied file by file with `{{key}}` replaced by a value, or `{{key|json}}` by the value as a
 * JSON string (a YAML double-quoted scalar too, so a name with a `:` or `#` stays one string).
 */
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export interface ScaffoldValues {
  id: string;
  publisher: string;
  name: string;
}

export async function templateNames(root = TEMPLATES_DIR): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export function render(text: string, values: ScaffoldValues): string {
  return text.replace(/\{\{(\w+)(\|json)?\}\}/g, (whole, key: string, json: string | undefined) => {
    if (!Object.hasOwn(values, key)) throw new Error(`The template names an unknown value: ${whole}`);
    const value = values[key as keyof ScaffoldValues];
    return json ? JSON.stringify(value) : value;
  });
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await visit(abs);
      else if (e.isFile()) out.push(relative(root, abs));
    }
  };
  await visit(root);
  return out;
}

/** A folder that is missing (it is created) or empty; anything else is refused. */
async function checkTarget(dir: string): Promise<void> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  if (!st) return;
  if (!st.isDirectory()) throw new UsageError(`${dir} exists and is not a folder.`, 'init');
  if ((await readdir(dir)).length > 0) throw new UsageError(`${dir} is not empty: init writes only into a new or empty folder.`, 'init');
}

/** Copies the template into `dir` with the values filled in; the files written, relative to `dir`. */
export async function scaffold(template: string, dir: string, values: ScaffoldValues): Promise<string[]> {
  await checkTarget(dir);
  const files = await filesUnder(template);
  // Rendered before anything is written: a template error leaves no half folder behind.
  const rendered = await Promise.all(files.map(async (f) => render(await readFile(join(template, f), 'utf8'), values)));
  await mkdir(dir, { recursive: true });
  for (const [i, f] of files.entries()) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    // `wx`: never over a file that appeared meanwhile.
    await writeFile(join(dir, f), rendered[i]!, { flag: 'wx' });
  }
  return files;
}
