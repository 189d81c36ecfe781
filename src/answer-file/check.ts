/**
 * `unattend check`, the WSIM "validate" of sysprep: walks an answer file against the model (schema.ts) and
 * reports, per pass, the settings found and what each does on Linux, with every error (the file is invalid:
 * a setting in the wrong pass, an unknown component or setting, a value that breaks its rules) and warning
 * (what Linux ignores, and advice). Nothing is dropped silently: every setting is either described or
 * reported as ignored.
 *
 * Pure: documents in, reports out.
 */
import { isWindowsComponent, WINDOWS_COMPONENTS, windowsSettings } from './catalog.js';
import { parseAnswerFile, countLeaves, settingsBlocks, wcmAction, wcmKeyValue, parseBoolean, type AnswerFileDocument, type ComponentBlock } from './reader.js';
import { childSpec, childSpecs, componentSpec, contextOf, COMPONENTS, type ComponentSpec, type SettingSpec } from './schema.js';
import { readPassword } from './sensitive.js';
import { SENSITIVE_DATA_DELETED, UNATTEND_NS, type Diagnostic, type Severity } from './types.js';
import { type AnswerPass } from '../model/passes.js';
import { isAnswerPass, ANSWER_PASSES, OFFLINE_SERVICING_SETTINGS, SYSPREP_ANSWER_PASSES } from '../model/passes.js';
import { AnswerFileError, childElements, textOf, type XmlElement } from './xml.js';

export interface SettingReport {
  component: string;
  /** Path inside the component, list items with their key. */
  setting: string;
  line: number;
  column: number;
  /** The value, for leaves (never for secrets). */
  value?: string;
  /** What it does on Linux, or why it is ignored. */
  linux: string;
  status: 'applies' | 'ignored' | 'invalid';
}

export interface PassReport {
  pass: string;
  line: number;
  column: number;
  /** Whether sysprep runs this pass at all (windowsPE and offlineServicing: no). */
  runBySysprep: boolean;
  /** Marked wasPassProcessed="true" (a cached answer file). */
  processed: boolean;
  /** Number of leaf settings (values) in the pass. */
  settingCount: number;
  components: string[];
  settings: SettingReport[];
  errors: number;
  warnings: number;
}

export interface CheckReport {
  file: string;
  valid: boolean;
  encoding?: string;
  /** Set when the file could not be read at all (size, encoding, DOCTYPE, XML syntax, not an answer file). */
  loadError?: Diagnostic;
  passes: PassReport[];
  /** Every error and warning, by position. */
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
}

const ARCHITECTURES = new Set(['x86', 'amd64', 'wow64', 'arm64', 'arm', 'ia64', 'msil']);

function distance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n]!;
}

/** A component (modelled first, then any of the reference) whose name is close to this one (a likely typo). */
function nearComponent(name: string): string | undefined {
  const l = name.toLowerCase().replace(/[-_ ]/g, '');
  for (const c of [...COMPONENTS.map((x) => x.name), ...WINDOWS_COMPONENTS]) {
    const k = c.toLowerCase().replace(/[-_ ]/g, '');
    if (k === l || distance(k, l) <= 2) return c;
  }
  return undefined;
}

/** Of these names, the one closest to name ignoring case, if a likely typo of it (at most 2 edits). */
function nearName(name: string, names: Iterable<string>): string | undefined {
  const l = name.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(n.toLowerCase(), l);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

/** True when an element has text other than white space directly inside. */
function hasText(el: XmlElement): boolean {
  for (const c of el.children) if ((c.type === 'text' || c.type === 'cdata') && c.value.trim() !== '') return true;
  return false;
}

function passList(passes: readonly AnswerPass[]): string {
  return passes.length === 1 ? passes[0]! : `${passes.slice(0, -1).join(', ')} or ${passes[passes.length - 1]}`;
}

interface Where { pass: string; component: string }

interface WalkState {
  pass: AnswerPass;
  /** The pass is one sysprep runs. */
  runs: boolean;
  where: Where;
  /** Inside a setting Linux ignores (its descendants are not reported again). */
  ignored: string | undefined;
  /** Inside a report unit. */
  inUnit: boolean;
  /** The element names from the component down to this setting (no list keys), for the reference. */
  ref: readonly string[];
}

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly passes = new Map<string, PassReport>();
  private errors = 0;

  constructor(private readonly file: string) {}

  add(severity: Severity, code: string, el: XmlElement, message: string, where?: Partial<Where> & { setting?: string }): void {
    const d: Diagnostic = { severity, code, file: this.file, line: el.line, column: el.column, message };
    if (where?.pass) d.pass = where.pass;
    if (where?.component) d.component = where.component;
    if (where?.setting) d.setting = where.setting;
    if (severity === 'error') this.errors++;
    this.diagnostics.push(d);
  }

  errorCount(): number {
    return this.errors;
  }

  passReport(pass: string, el: XmlElement, processed: boolean): PassReport {
    let r = this.passes.get(pass);
    if (!r) {
      r = {
        pass, line: el.line, column: el.column, runBySysprep: isAnswerPass(pass) && SYSPREP_ANSWER_PASSES.includes(pass), processed,
        settingCount: 0, components: [], settings: [], errors: 0, warnings: 0,
      };
      this.passes.set(pass, r);
    }
    return r;
  }

  // -------------------------------------------------------------------------------------------------------

  checkDocument(doc: AnswerFileDocument): void {
    this.diagnostics.push(...doc.readWarnings);
    for (const el of childElements(doc.root)) {
      if (el.uri === UNATTEND_NS && el.local === 'settings') continue;
      if (el.uri === UNATTEND_NS && el.local === 'servicing') {
        this.add('warning', 'ignored-on-linux', el, 'the <servicing> section (Windows packages applied in offlineServicing) is ignored on Linux');
      } else if (el.uri === 'urn:schemas-microsoft-com:cpi') {
        // Authoring metadata of Windows System Image Manager (the catalog the file was written against): no setting.
      } else {
        this.add('warning', 'unknown-element', el, `<${el.name}> is not part of the answer-file format; it is ignored`);
      }
    }
    const seen = new Map<string, XmlElement>();
    for (const b of settingsBlocks(doc)) {
      const el = b.element;
      if (b.pass === '') {
        this.add('error', 'bad-pass', el, `<settings> without a pass attribute: add pass="…" (one of ${ANSWER_PASSES.join(', ')})`);
        continue;
      }
      if (!b.knownPass) {
        const ci = ANSWER_PASSES.find((p) => p.toLowerCase() === b.pass.toLowerCase());
        this.add('error', 'bad-pass', el, ci
          ? `unknown pass "${b.pass}": pass names are case-sensitive, write "${ci}"`
          : `unknown pass "${b.pass}": use one of ${ANSWER_PASSES.join(', ')}`, { pass: b.pass });
        continue;
      }
      const pass = b.knownPass;
      const report = this.passReport(pass, el, b.processed);
      const first = seen.get(pass);
      if (first) {
        this.add('warning', 'duplicate-pass', el, `pass ${pass} has a second <settings> block (the first is on line ${first.line}); both are used, in order: merge them`, { pass });
      } else seen.set(pass, el);
      for (const c of childElements(el)) {
        if (c.uri === UNATTEND_NS && c.local === 'component') continue;
        this.add('error', 'unknown-element', c, `<${c.name}> does not belong in <settings>; only <component> elements do`, { pass });
      }
      const runs = SYSPREP_ANSWER_PASSES.includes(pass);
      let leaves = 0;
      const names: string[] = [];
      const arch = new Map<string, XmlElement>();
      for (const comp of b.components) {
        for (const s of comp.settings) leaves += countLeaves(s);
        const name = comp.identity.name;
        names.push(name || '(no name)');
        const key = `${name.toLowerCase()}|${(comp.identity.processorArchitecture ?? '').toLowerCase()}`;
        const dup = arch.get(key);
        if (dup && name) {
          this.add('warning', 'duplicate-component', comp.element,
            `${name} (${comp.identity.processorArchitecture ?? 'no architecture'}) appears twice in pass ${pass} (also line ${dup.line}); both are applied in order, later values win: merge them`, { pass, component: name });
        } else arch.set(key, comp.element);
        this.checkComponent(comp, pass, runs, report);
      }
      report.settingCount += leaves;
      report.components.push(...names.filter((n) => !report.components.includes(n)));
      const servicedHere = pass === 'offlineServicing'
        ? b.components.flatMap((c) => c.settings.map((s) => `${componentSpec(c.identity.name)?.short ?? c.identity.name}/${s.local}`)).filter((k) => OFFLINE_SERVICING_SETTINGS.includes(k))
        : [];
      if (!runs && servicedHere.length) {
        report.runBySysprep = true;
        const others = names.filter((n) => !/PnpCustomizationsNonWinPE$/i.test(n));
        if (others.length) {
          this.add('warning', 'pass-not-run', el,
            `sysprep applies only ${OFFLINE_SERVICING_SETTINGS.map((k) => k.split('/')[1]).join(', ')} of the ${pass} pass (to an offline root or image); the settings of ${others.join(', ')} in it are ignored`, { pass });
        }
      } else if (!runs) {
        const what = pass === 'windowsPE' ? 'Windows Setup runs it from installation media' : 'Windows Setup or DISM runs it on an offline Windows image';
        this.add('warning', 'pass-not-run', el,
          `sysprep never runs the ${pass} pass (${what}); its ${leaves} setting${leaves === 1 ? '' : 's'} (${names.join(', ') || 'no components'}) are ignored`, { pass });
      }
    }
    this.crossChecks(doc);
    this.finish();
  }

  private crossChecks(doc: AnswerFileDocument): void {
    for (const b of settingsBlocks(doc)) {
      if (b.knownPass !== 'auditUser') continue;
      for (const c of b.components) {
        if (c.identity.name.toLowerCase() !== 'microsoft-windows-deployment') continue;
        const reseal = c.settings.find((s) => s.local === 'Reseal');
        if (reseal && c.settings.some((s) => s.local === 'Generalize')) {
          this.add('warning', 'reseal-ignored', reseal, 'Generalize and Reseal are both set in auditUser: Reseal is ignored (Generalize decides); remove one',
            { pass: 'auditUser', component: c.identity.name, setting: 'Reseal' });
        }
      }
    }
  }

  private finish(): void {
    this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    for (const d of this.diagnostics) {
      const r = d.pass ? this.passes.get(d.pass) : undefined;
      if (!r) continue;
      if (d.severity === 'error') r.errors++;
      else r.warnings++;
    }
  }

  // -------------------------------------------------------------------------------------------------------

  private checkComponent(comp: ComponentBlock, pass: AnswerPass, runs: boolean, report: PassReport): void {
    const el = comp.element;
    const id = comp.identity;
    const where: Where = { pass, component: id.name };
    if (!id.name) {
      this.add('error', 'component-name', el, '<component> without a name attribute: add name="Microsoft-Windows-…"', { pass });
      return;
    }
    if (id.processorArchitecture !== undefined && !ARCHITECTURES.has(id.processorArchitecture.toLowerCase())) {
      this.add('warning', 'component-identity', el, `processorArchitecture "${id.processorArchitecture}" is not one of ${[...ARCHITECTURES].join(', ')}`, where);
    }
    if (id.versionScope !== undefined && !['sxs', 'nonsxs'].includes(id.versionScope.toLowerCase())) {
      this.add('warning', 'component-identity', el, `versionScope "${id.versionScope}" is neither SxS nor nonSxS`, where);
    }
    const spec = componentSpec(id.name);
    if (!spec) {
      const n = comp.settings.reduce((s, x) => s + countLeaves(x), 0);
      const near = isWindowsComponent(id.name) ? undefined : nearComponent(id.name);
      if (near) {
        this.add('error', 'unknown-component', el, `unknown component "${id.name}": did you mean ${near}?`, where);
        report.settings.push({ component: id.name, setting: '', line: el.line, column: el.column, linux: `unknown component (did you mean ${near}?)`, status: 'invalid' });
      } else if (isWindowsComponent(id.name)) {
        if (runs) {
          this.add('warning', 'ignored-on-linux', el, `${id.name} is a Windows component with no Linux meaning: its ${n} setting${n === 1 ? ' is' : 's are'} ignored`, where);
        }
        const names = comp.settings.map((s) => s.local);
        report.settings.push({
          component: id.name, setting: '', line: el.line, column: el.column, status: 'ignored',
          linux: runs ? `ignored on Linux: Windows component with no Linux meaning (${names.join(', ') || 'no settings'})` : `not run by sysprep (${pass} pass)`,
        });
      } else {
        this.add('error', 'unknown-component', el,
          `unknown component "${id.name}": it is not in the Windows answer-file reference; check the spelling (components are named like Microsoft-Windows-Shell-Setup) or remove it`, where);
        report.settings.push({ component: id.name, setting: '', line: el.line, column: el.column, linux: 'unknown component', status: 'invalid' });
      }
      return;
    }
    const seen = new Map<string, XmlElement>();
    for (const s of comp.settings) {
      const path = s.local;
      const w = { ...where, setting: path };
      if (s.uri !== UNATTEND_NS) {
        this.add('error', 'unknown-setting', s, `<${s.name}> is not in the answer-file namespace; settings of ${spec.name} are unprefixed elements`, w);
        continue;
      }
      let sspec = childSpec(spec, s.local);
      if (!sspec) {
        this.unmodelled(s, spec, spec, [], spec.name, path, { pass, runs, where: { pass, component: spec.name }, ignored: undefined, inUnit: false, ref: [] }, report);
        continue;
      }
      if (!sspec.item) {
        const prev = seen.get(s.local);
        if (prev) this.add('error', 'duplicate-setting', s, `${s.local} is set twice in this component (also line ${prev.line}): keep one`, w);
        else seen.set(s.local, s);
      }
      if (sspec.passes && !sspec.passes.includes(pass)) {
        this.add('error', 'wrong-pass', s,
          `${spec.short}/${s.local} is not valid in the ${pass} pass; it is valid in ${passList(sspec.passes)}: move it to <settings pass="${sspec.passes.find((p) => SYSPREP_ANSWER_PASSES.includes(p)) ?? sspec.passes[0]}">`, w);
      }
      // the offlineServicing settings sysprep applies to offline roots and images (OFFLINE_SERVICING_SETTINGS)
      const serviced = pass === 'offlineServicing' && OFFLINE_SERVICING_SETTINGS.includes(`${spec.short}/${s.local}`);
      const walks = runs || serviced;
      this.walk(s, sspec, path, { pass, runs: walks, where: { pass, component: spec.name }, ignored: walks ? undefined : `not run by sysprep (${pass} pass)`, inUnit: false, ref: [s.local] }, report);
      sspec = undefined;
    }
  }

  /**
   * A setting sysprep does not model, under parent (the component or a setting) at ref: one the Windows
   * reference knows is ignored (no Linux meaning); one that differs from a known name only by case, or is
   * close to one, or is unknown, is an error.
   */
  private unmodelled(
    el: XmlElement, component: ComponentSpec, parent: SettingSpec | ComponentSpec, ref: readonly string[], where: string, path: string, st: WalkState, report: PassReport,
  ): void {
    const w = { ...st.where, setting: path };
    const modelled = childSpecs(parent).map((x) => x.name);
    const windows = Object.keys(windowsSettings(component.name, ref) ?? {});
    const line = { component: component.name, setting: path, line: el.line, column: el.column };
    if (el.uri !== UNATTEND_NS) {
      this.add('error', 'unknown-setting', el, `<${el.name}> is not in the answer-file namespace; settings of ${where} are unprefixed elements`, w);
      report.settings.push({ ...line, linux: 'unknown setting', status: 'invalid' });
      return;
    }
    if (windows.includes(el.local) && !modelled.some((m) => m.toLowerCase() === el.local.toLowerCase())) {
      if (st.ignored) return; // inside a setting already reported as ignored
      if (st.runs) this.add('warning', 'ignored-on-linux', el, `${component.short}/${path} is a Windows setting with no Linux meaning: ignored`, w);
      report.settings.push({ ...line, status: 'ignored', linux: st.runs ? 'ignored on Linux: Windows setting with no Linux meaning' : `not run by sysprep (${st.pass} pass)` });
      return;
    }
    const known = [...new Set([...modelled, ...windows])];
    const ci = known.find((n) => n.toLowerCase() === el.local.toLowerCase());
    if (ci) {
      this.add('error', 'misspelled-setting', el, `"${el.local}" is not a setting of ${where}: setting names are case-sensitive, write "${ci}"`, w);
      report.settings.push({ ...line, linux: `misspelled (${ci})`, status: 'invalid' });
      return;
    }
    const near = nearName(el.local, known);
    this.add('error', 'unknown-setting', el, near
      ? `"${el.local}" is not a setting of ${where}: did you mean "${near}"?`
      : ref.length
        ? `"${el.local}" is not a setting of ${where}: expected ${modelled.join(', ')}`
        : `"${el.local}" is not a setting of ${where}: check the spelling or remove it (known: ${modelled.join(', ')})`, w);
    report.settings.push({ ...line, linux: near ? `unknown setting (did you mean ${near}?)` : 'unknown setting', status: 'invalid' });
  }

  private walk(el: XmlElement, spec: SettingSpec, path: string, st: WalkState, report: PassReport): void {
    const w = { ...st.where, setting: path };
    const isUnit = !st.inUnit && (spec.unit === true || spec.item !== undefined || spec.value !== undefined);
    const errorsBefore = this.errorCount();
    const action = wcmAction(el);
    if (spec.item) {
      if (action && !['add', 'modify', 'remove'].includes(action)) {
        this.add('error', 'bad-action', el, `wcm:action="${action}" is not one of add, modify, remove`, w);
      } else if (!action) {
        this.add('warning', 'missing-action', el, `${el.local} is a list item without wcm:action; it is treated as add: write wcm:action="add"`, w);
      }
    } else if (action) {
      this.add('warning', 'stray-action', el, `wcm:action only applies to list items; it has no effect on ${el.local}`, w);
    }
    let ignored = st.ignored;
    if (!ignored && (spec.ignored || spec.deprecated)) {
      const reason = spec.ignored ?? 'it has no Linux meaning';
      this.add('warning', 'ignored-on-linux', el, `${path} is ${spec.deprecated ? `${spec.deprecated} and ` : ''}ignored on Linux: ${reason}`, w);
      ignored = `ignored on Linux: ${reason}`;
    }
    const kids = childElements(el);
    const text = kids.length === 0 || spec.value ? textOf(el) : '';
    const deleted = spec.sensitive === true && kids.length === 0 && text.trim() === SENSITIVE_DATA_DELETED;
    let value: string | undefined;
    if (deleted) {
      // Scrubbed after its pass was processed (a cached answer file): nothing left to check.
    } else if (spec.value) {
      if (kids.length) {
        this.add('error', 'not-a-value', el, `${path} takes a value, not child elements`, w);
      } else {
        value = text;
        this.checkValue(el, spec, path, text, w);
      }
    } else if (spec.children) {
      if (hasText(el)) {
        this.add('error', 'not-a-container', el, `${path} holds settings, not text: ${spec.children.map((c) => c.name).join(', ')}`, w);
      }
      this.walkChildren(el, spec, path, action, kids, { ...st, ignored, inUnit: st.inUnit || isUnit }, report);
      if (spec.sensitive && spec.children.some((c) => c.name === 'Value')) {
        const p = readPassword(el);
        if (p.error) this.add('error', 'bad-hidden-password', el, `${path}: ${p.error}`, w);
        else if (p.value !== undefined) {
          const problem = linuxPasswordProblem(p.value);
          if (problem) this.add('error', 'bad-value', el, `${path}: ${problem}`, w);
        }
      }
    }
    if (spec.validate && !deleted) {
      for (const v of spec.validate(el, contextOf(el, st.pass))) this.add(v.severity, v.code, el, v.message, w);
    }
    if (isUnit) {
      const bad = this.errorCount() > errorsBefore;
      let linux: string;
      if (deleted) linux = 'value deleted after its pass was processed';
      else if (ignored) linux = ignored;
      else if (bad) linux = 'invalid: see the errors';
      else {
        try {
          linux = spec.describe?.(el, contextOf(el, st.pass)) ?? spec.linux ?? 'applies';
        } catch {
          linux = 'applies';
        }
      }
      const r: SettingReport = {
        component: st.where.component, setting: path, line: el.line, column: el.column, linux,
        status: bad ? 'invalid' : ignored ? 'ignored' : 'applies',
      };
      if (value !== undefined && !spec.sensitive) r.value = value;
      report.settings.push(r);
    }
  }

  private walkChildren(el: XmlElement, spec: SettingSpec, path: string, action: string, kids: XmlElement[], st: WalkState, report: PassReport): void {
    const w = { ...st.where, setting: path };
    const seen = new Map<string, XmlElement>();
    const keys = new Map<string, Map<string, XmlElement>>();
    for (const k of kids) {
      const c = childSpec(spec, k.local);
      if (c && k.uri !== UNATTEND_NS) {
        this.add('error', 'unknown-setting', k, `<${k.name}> is not in the answer-file namespace; settings of ${path} are unprefixed elements`, { ...w, setting: `${path}/${k.local}` });
        continue;
      }
      if (!c) {
        this.unmodelled(k, componentSpec(st.where.component)!, spec, st.ref, path, `${path}/${k.local}`, st, report);
        continue;
      }
      let childPath = `${path}/${k.local}`;
      if (c.item) {
        const keyName = 'key' in c.item ? c.item.key : 'keyValue';
        const keyEl = 'key' in c.item ? childElements(k).find((x) => x.local === (c.item as { key: string }).key) : undefined;
        const key = 'key' in c.item ? (keyEl ? textOf(keyEl).trim() : undefined) : wcmKeyValue(k)?.trim();
        const act = wcmAction(k) || 'add';
        if (key !== undefined && key !== '') childPath = `${childPath}[${keyName}=${key}]`;
        if (key === undefined || key === '') {
          if ('keyValue' in c.item) {
            this.add('error', 'missing-key', k, `${k.local} needs a wcm:keyValue attribute (a unique key such as "1")`, { ...w, setting: childPath });
          } else if (act !== 'add') {
            this.add('error', 'missing-key', k, `${k.local} with wcm:action="${act}" needs its key ${keyName} to name the item to ${act}`, { ...w, setting: childPath });
          }
        } else if (act === 'add') {
          let m = keys.get(k.local);
          if (!m) keys.set(k.local, (m = new Map()));
          const norm = /^\s*\d+\s*$/.test(key) ? String(Number(key)) : key.toLowerCase();
          const prev = m.get(norm);
          if (prev) {
            this.add('error', 'duplicate-key', k, `${k.local} ${keyName} ${key} is used twice (also line ${prev.line}): each ${keyName} must be unique`, { ...w, setting: childPath });
          } else m.set(norm, k);
        }
      } else {
        const prev = seen.get(k.local);
        if (prev) this.add('error', 'duplicate-setting', k, `${k.local} is set twice in ${path} (also line ${prev.line}): keep one`, { ...w, setting: childPath });
        else seen.set(k.local, k);
      }
      this.walk(k, c, childPath, { ...st, ref: [...st.ref, k.local] }, report);
    }
    const partial = spec.item !== undefined && (action === 'modify' || action === 'remove');
    if (!partial) {
      for (const c of spec.children!) {
        if (c.required && !kids.some((k) => k.local === c.name)) {
          this.add('error', 'missing-setting', el, `${path} needs ${c.name}: add it`, w);
        }
      }
    }
  }

  private checkValue(el: XmlElement, spec: SettingSpec, path: string, v: string, w: Where & { setting: string }): void {
    const rule = spec.value!;
    const shown = spec.sensitive ? 'the value' : `"${v.length > 80 ? `${v.slice(0, 79)}…` : v}"`;
    const t = v.trim();
    switch (rule.kind) {
      case 'boolean':
        if (parseBoolean(v) === undefined) this.add('error', 'bad-value', el, `${shown} is not a boolean: write true or false`, w);
        return;
      case 'integer': {
        if (!/^[+-]?\d+$/.test(t)) {
          this.add('error', 'bad-value', el, `${shown} is not a whole number${rule.min !== undefined ? ` (${rule.min}–${rule.max ?? '…'})` : ''}`, w);
          return;
        }
        const n = Number(t);
        if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
          this.add('error', 'bad-value', el, `${shown} is out of range: ${path.split('/').pop()!.replace(/\[.*$/, '')} must be ${rule.min ?? '…'}–${rule.max ?? '…'}`, w);
        }
        return;
      }
      case 'enum':
        if (!rule.values.some((x) => x.toLowerCase() === t.toLowerCase())) {
          this.add('error', 'bad-value', el, `${shown} is not allowed: use ${rule.values.join(', ')}`, w);
        }
        return;
      case 'string': {
        if (t === '') {
          if (!rule.empty) this.add('error', 'empty-value', el, `${el.local} must not be empty: give it a value or remove it`, w);
          return;
        }
        if (rule.maxLength !== undefined && [...v].length > rule.maxLength) {
          this.add('error', 'bad-value', el, `${spec.sensitive ? 'the value' : 'the value'} is ${[...v].length} characters long; ${el.local} takes at most ${rule.maxLength}`, w);
          return;
        }
        const problem = rule.check?.(v);
        if (problem) {
          this.add('error', 'bad-value', el, spec.sensitive ? `the value ${problem.replace(/^"[^"]*"\s*/, '')}` : problem, w);
          return;
        }
        const advice = rule.advise?.(v);
        if (advice) this.add('warning', 'linux-advice', el, advice, w);
      }
    }
  }
}

/** Checks a parsed answer file. */
/**
 * What a Linux password cannot hold: chpasswd reads one "user:password" line per account, and PAM
 * (pam_unix) refuses a password of 512 bytes or more. Never quotes the password.
 */
export function linuxPasswordProblem(password: string): string | undefined {
  if (/[\n\r]/.test(password)) return 'the password contains a line break, which a Linux password cannot hold (chpasswd reads one line per account)';
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > 511) return `the password is ${bytes} bytes long; Linux (PAM) takes at most 511 bytes: shorten it`;
  return undefined;
}

export function checkAnswerFile(doc: AnswerFileDocument): CheckReport {
  const c = new Checker(doc.file);
  c.checkDocument(doc);
  const order = (p: string) => (isAnswerPass(p) ? ANSWER_PASSES.indexOf(p) : 99);
  const passes = [...c.passes.values()].sort((a, b) => order(a.pass) - order(b.pass));
  const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
  return {
    file: doc.file, valid: errors === 0, encoding: doc.encoding, passes, diagnostics: c.diagnostics,
    errors, warnings: c.diagnostics.length - errors,
  };
}

/** Reads and checks an answer file; a file that cannot be read gives a report with loadError set. */
export function checkAnswerFileBytes(input: Uint8Array | string, file: string): CheckReport {
  let doc: AnswerFileDocument;
  try {
    doc = parseAnswerFile(input, file);
  } catch (e) {
    if (!(e instanceof AnswerFileError)) throw e;
    const d: Diagnostic = { severity: 'error', code: e.code, file: e.file, line: e.line, column: e.column, message: e.detail };
    return { file, valid: false, loadError: d, passes: [], diagnostics: [d], errors: 1, warnings: 0 };
  }
  return checkAnswerFile(doc);
}
